package dev.ferry.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.SharedJvmCluster;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/** Monitors and links across clustered nodes in one JVM; node death by process is in MailboxProcessIT. */
@Timeout(120)
class MonitorTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  @RegisterExtension
  static final SharedJvmCluster cluster = new SharedJvmCluster(3);

  private static <T> T await(Future<T> future) {
    return Futures.await(future, WAIT);
  }

  private static int watchersOf(int node, Address address) {
    return cluster.mailboxes(node).describe().getJsonArray("mailboxes").stream().map(JsonObject.class::cast)
        .filter(m -> m.getString("address").equals(address.toString()))
        .mapToInt(m -> m.getInteger("watchers")).findFirst().orElse(-1);
  }

  @Test
  void closingAMailboxTellsItsWatcherOnce() {
    Mailbox watcher = cluster.newMailbox(1);
    Mailbox target = cluster.newMailbox(2);
    Address seen = cluster.mailboxes(1).address(target.address().toString());
    await(seen.monitor(watcher.address()));
    await(seen.monitor(watcher.address()));   // a second monitor of the same pair changes nothing
    Eventually.await("the target to know its watcher", WAIT, () -> watchersOf(2, target.address()) == 1);

    await(target.close());

    assertThat(await(watcher.receive(WAIT))).isEqualTo(new MailboxDown(target.address(), MailboxDown.CLOSED));
    await(watcher.address().send("marker"));
    assertThat(await(watcher.receive(WAIT))).isEqualTo("marker");
    assertThat(watcher.messageCount()).isZero();
    watcher.close();
  }

  @Test
  void aMalformedControlIsRefusedNamingWhatIsWrongAndNeverDelivered() {
    Mailbox target = cluster.newMailbox(2);
    String to = target.address().toString();
    var bus = cluster.node(1).vertx().eventBus();
    Throwable unknown = Futures.cause(bus.request(to, "x", new DeliveryOptions().addHeader("ferry-control", "explode")),
        WAIT);
    assertThat(unknown.getMessage()).startsWith("bad-request: header ferry-control: expected monitor, demonitor, down "
        + "or watch, got 'explode'");
    Throwable badWatcher = Futures.cause(bus.request(to, "nobody", new DeliveryOptions().addHeader("ferry-control",
        "monitor")), WAIT);
    assertThat(badWatcher.getMessage()).startsWith("bad-request: not a mailbox address: 'nobody'");
    assertThat(watchersOf(2, target.address())).isZero();

    await(target.address().send("after"));
    assertThat(await(target.receive(WAIT))).isEqualTo("after");
    assertThat(target.messageCount()).isZero();
    target.close();
  }

  @Test
  void monitoringAMailboxThatIsAlreadyGoneSaysSo() {
    Mailbox watcher = cluster.newMailbox(1);
    Mailbox target = cluster.newMailbox(3);
    await(target.close());
    Address seen = cluster.mailboxes(1).address(target.address().toString());
    await(seen.monitor(watcher.address()));
    assertThat(await(watcher.receive(WAIT))).isEqualTo(new MailboxDown(target.address(), MailboxDown.NO_SUCH_MAILBOX));
    watcher.close();
  }

  @Test
  void monitoringANodeThatIsNotInTheClusterSaysNodeDown() {
    Mailbox watcher = cluster.newMailbox(1);
    Address ghost = cluster.mailboxes(1).address("ferry.mbx.ghost.abc.1");
    await(ghost.monitor(watcher.address()));
    assertThat(await(watcher.receive(WAIT))).isEqualTo(new MailboxDown(ghost, MailboxDown.NODE_DOWN));
    watcher.close();
  }

  @Test
  void afterDemonitorNothingArrives() {
    Mailbox watcher = cluster.newMailbox(2);
    Mailbox target = cluster.newMailbox(2);
    await(target.address().monitor(watcher.address()));
    Eventually.await("the target to know its watcher", WAIT, () -> watchersOf(2, target.address()) == 1);
    await(target.address().demonitor(watcher.address()));
    Eventually.await("the target to forget its watcher", WAIT, () -> watchersOf(2, target.address()) == 0);
    await(target.close());
    await(watcher.address().send("marker"));
    assertThat(await(watcher.receive(WAIT))).isEqualTo("marker");
    watcher.close();
  }

  @Test
  void aWatcherThatClosesIsRemovedFromItsTargets() {
    Mailbox watcher = cluster.newMailbox(1);
    Mailbox target = cluster.newMailbox(3);
    await(cluster.mailboxes(1).address(target.address().toString()).monitor(watcher.address()));
    Eventually.await("the target to know its watcher", WAIT, () -> watchersOf(3, target.address()) == 1);
    await(watcher.close());
    Eventually.await("the target to drop the closed watcher", WAIT, () -> watchersOf(3, target.address()) == 0);
    target.close();
  }

  @Test
  void aLinkMakesBothSidesWatchEachOther() {
    Mailbox a = cluster.newMailbox(1);
    Mailbox b = cluster.newMailbox(2);
    await(cluster.mailboxes(1).address(b.address().toString()).link(a.address()));
    Eventually.await("each side to know the other", WAIT,
        () -> watchersOf(1, a.address()) == 1 && watchersOf(2, b.address()) == 1);
    await(a.close());
    assertThat(await(b.receive(WAIT))).isEqualTo(new MailboxDown(a.address(), MailboxDown.CLOSED));
    b.close();
  }

  @Test
  void theWatcherMustBeALocalMailbox() {
    Mailbox remote = cluster.newMailbox(2);
    Mailbox target = cluster.newMailbox(3);
    Address seen = cluster.mailboxes(1).address(target.address().toString());
    Address remoteWatcher = cluster.mailboxes(1).address(remote.address().toString());
    assertThat(seen.monitor(remoteWatcher).toCompletionStage().toCompletableFuture())
        .failsWithin(WAIT).withThrowableThat().withMessageContaining("must be an open mailbox of this node");
    remote.close();
    target.close();
  }
}
