package dev.ferry.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.SharedJvmCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Mailboxes across three clustered nodes in one JVM: delivery, ordering, selective receive, bounds. */
@Timeout(120)
class MailboxTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  @RegisterExtension
  static final SharedJvmCluster cluster = new SharedJvmCluster(3);

  /** A message type the receiver gets back as itself, carrying an address to answer to. */
  public record Greeting(String text, int n, Address replyTo) {}

  /** A numbered message, for ordering. */
  public record Seq(int n) {}

  /** {@code address} as node {@code node} sees it after receiving it. */
  private static Address seenFrom(int node, Address address) {
    return cluster.mailboxes(node).address(address.toString());
  }

  private static <T> T await(Future<T> future) {
    return Futures.await(future, WAIT);
  }

  private static FerryException failure(Future<?> future) {
    Throwable cause = Futures.cause(future, WAIT);
    assertThat(cause).isInstanceOf(FerryException.class);
    return (FerryException) cause;
  }

  @Test
  void aJsonObjectCrossesNodes() {
    Mailbox inbox = cluster.newMailbox(3);
    await(seenFrom(1, inbox.address()).send(new JsonObject().put("hello", "world")));
    assertThat(await(inbox.receive(WAIT))).isEqualTo(new JsonObject().put("hello", "world"));
    inbox.close();
  }

  @Test
  void aRecordArrivesAsItselfAndTheAddressInsideStillWorks() {
    Mailbox alice = cluster.newMailbox(1);
    Mailbox bob = cluster.newMailbox(2);
    await(seenFrom(1, bob.address()).send(new Greeting("hi", 7, alice.address())));

    Object received = await(bob.receive(WAIT));
    assertThat(received).isInstanceOf(Greeting.class);
    Greeting greeting = (Greeting) received;
    assertThat(greeting.text()).isEqualTo("hi");
    assertThat(greeting.replyTo()).isEqualTo(alice.address());

    await(greeting.replyTo().send("pong"));
    assertThat(await(alice.receive(WAIT))).isEqualTo("pong");
    alice.close();
    bob.close();
  }

  @Test
  void messagesFromOneSenderArriveInOrder() {
    Mailbox inbox = cluster.newMailbox(2);
    Address to = seenFrom(3, inbox.address());
    int count = 2000;
    for (int i = 0; i < count; i++) {
      to.send(new Seq(i));
    }
    List<Integer> received = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      received.add(((Seq) await(inbox.receive(WAIT))).n());
    }
    assertThat(received).isSorted().hasSize(count).startsWith(0).endsWith(count - 1);
    inbox.close();
  }

  @Test
  void selectiveReceiveTakesTheFirstMatchAndLeavesTheRestInOrder() {
    Mailbox inbox = cluster.newMailbox(1);
    Address to = seenFrom(2, inbox.address());
    for (String s : List.of("a", "b", "c", "d", "c2")) {
      await(to.send(s));
    }
    Eventually.await("5 messages queued", WAIT, () -> inbox.messageCount() == 5);
    assertThat(await(inbox.receive(m -> ((String) m).startsWith("c"), WAIT))).isEqualTo("c");
    assertThat(inbox.messageCount()).isEqualTo(4);
    List<Object> rest = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      rest.add(await(inbox.receive(WAIT)));
    }
    assertThat(rest).containsExactly("a", "b", "d", "c2");
    inbox.close();
  }

  @Test
  void aWaitingSelectiveReceiveSkipsMessagesThatDoNotMatch() {
    Mailbox inbox = cluster.newMailbox(1);
    Future<Object> waiting = inbox.receive(m -> m instanceof Seq s && s.n() == 2, WAIT);
    Address to = seenFrom(3, inbox.address());
    to.send(new Seq(1));
    to.send(new Seq(2));
    assertThat(await(waiting)).isEqualTo(new Seq(2));
    assertThat(await(inbox.receive(WAIT))).isEqualTo(new Seq(1));
    inbox.close();
  }

  @Test
  void aReceiveLoopDrainsADeepQueueWithoutGrowingTheStack() {
    Mailbox inbox = cluster.newMailbox(1);
    int count = 100_000;
    for (int i = 0; i < count; i++) {
      inbox.address().send(new Seq(i));
    }
    Eventually.await("all queued", WAIT, () -> inbox.messageCount() == count);
    Promise<Integer> drained = Promise.promise();
    int[] seen = {0};
    // the usual loop: receive, handle, receive again from the callback
    Runnable[] loop = new Runnable[1];
    loop[0] = () -> inbox.receive(WAIT).onComplete(r -> {
      if (r.failed()) {
        drained.fail(r.cause());
      } else if (++seen[0] == count) {
        drained.complete(seen[0]);
      } else {
        loop[0].run();
      }
    });
    loop[0].run();
    assertThat(await(drained.future())).isEqualTo(count);
    inbox.close();
  }

  @Test
  void receiveTimesOutWithAClearError() {
    Mailbox inbox = cluster.newMailbox(2);
    FerryException e = failure(inbox.receive(Duration.ofMillis(200)));
    assertThat(e.code()).isEqualTo(FerryException.TIMEOUT);
    assertThat(e.getMessage()).contains(inbox.address().toString()).contains("200 ms");
    inbox.close();
  }

  @Test
  void tryReceiveNeverWaits() {
    Mailbox inbox = cluster.newMailbox(1);
    assertThat(await(inbox.tryReceive())).isEmpty();
    await(inbox.address().send("x"));
    Eventually.await("the message to arrive", WAIT, () -> inbox.messageCount() == 1);
    assertThat(await(inbox.tryReceive())).isEqualTo(Optional.of("x"));
    inbox.close();
  }

  @Test
  void oneReceiverWaitsAtATime() {
    Mailbox inbox = cluster.newMailbox(1);
    Future<Object> first = inbox.receive();
    FerryException second = failure(inbox.receive());
    assertThat(second.code()).isEqualTo(FerryException.BAD_REQUEST);
    assertThat(second.getMessage()).contains("one receiver at a time");
    await(inbox.close());
    assertThat(failure(first).code()).isEqualTo("mailbox-gone");
  }

  @Test
  void aFullRejectingMailboxRefusesTheSend() {
    Mailbox inbox = cluster.mailboxes(1).create(MailboxOptions.bounded(2, MailboxOptions.Overflow.REJECT)).await();
    await(inbox.address().send("1"));
    await(inbox.address().send("2"));
    Eventually.await("two queued", WAIT, () -> inbox.messageCount() == 2);
    FerryException local = failure(inbox.address().send("3"));
    assertThat(local.code()).isEqualTo("mailbox-full");
    FerryException remote = failure(seenFrom(2, inbox.address()).request("4", WAIT));
    assertThat(remote.code()).isEqualTo("mailbox-full");
    assertThat(await(inbox.receive(WAIT))).isEqualTo("1");
    assertThat(await(inbox.receive(WAIT))).isEqualTo("2");
    inbox.close();
  }

  @Test
  void aFullDropOldestMailboxKeepsTheNewest() {
    Mailbox inbox = cluster.mailboxes(2).create(MailboxOptions.bounded(2, MailboxOptions.Overflow.DROP_OLDEST)).await();
    Address to = seenFrom(1, inbox.address());
    for (String s : List.of("1", "2", "3")) {
      await(to.send(s));
    }
    Eventually.await("the third message to push the first out", WAIT,
        () -> cluster.mailboxes(2).describe().getJsonArray("mailboxes").stream()
            .map(JsonObject.class::cast).anyMatch(m -> m.getString("address").equals(inbox.address().toString())
                && m.getLong("dropped") == 1));
    assertThat(await(inbox.receive(WAIT))).isEqualTo("2");
    assertThat(await(inbox.receive(WAIT))).isEqualTo("3");
    inbox.close();
  }

  @Test
  void aRequestGetsTheReceiversReply() {
    Mailbox server = cluster.newMailbox(3);
    server.receive(WAIT).onSuccess(m -> ((Request) m).reply(new Seq(((Seq) ((Request) m).body()).n() + 1)));
    Object reply = await(seenFrom(1, server.address()).request(new Seq(41), WAIT));
    assertThat(reply).isEqualTo(new Seq(42));
    server.close();
  }

  @Test
  void closingAMailboxFailsTheRequestsItHadNotRead() {
    Mailbox server = cluster.newMailbox(2);
    Future<Object> pending = seenFrom(1, server.address()).request("unread", WAIT);
    Eventually.await("the request to be queued", WAIT, () -> server.messageCount() == 1);
    await(server.close());
    FerryException e = failure(pending);
    assertThat(e.code()).isEqualTo("mailbox-gone");
    assertThat(e.getMessage()).contains("before it read the request");
  }

  @Test
  void sendsToAGoneMailboxFailAtOnce() {
    Mailbox inbox = cluster.newMailbox(1);
    await(inbox.close());
    FerryException closed = failure(inbox.address().send("late"));
    assertThat(closed.code()).isEqualTo("mailbox-gone");
    Address neverMade = cluster.mailboxes(1).address(Address.parse(inbox.address().toString()).toString()
        .replaceAll("\\.[0-9]+$", ".999999"));
    assertThat(failure(neverMade.send("x")).code()).isEqualTo("mailbox-gone");
    Address ghost = cluster.mailboxes(1).address("ferry.mbx.ghost.abc.1");
    assertThat(failure(ghost.send("x")).getMessage()).contains("node ghost is not in the cluster");
    Address oldRun = cluster.mailboxes(1).address("ferry.mbx.node2.abc.1");
    assertThat(failure(oldRun.send("x")).getMessage()).contains("earlier run of node node2");
  }

  @Test
  void badBodiesFailTheSendAndSayWhy() {
    Mailbox inbox = cluster.newMailbox(1);
    FerryException unserializable = failure(inbox.address().send(new Object()));
    assertThat(unserializable.code()).isEqualTo(FerryException.BAD_REQUEST);
    assertThat(unserializable.getMessage()).contains("cannot serialize java.lang.Object");
    FerryException tooLarge = failure(inbox.address().send("x".repeat(2 * 1024 * 1024)));
    assertThat(tooLarge.code()).isEqualTo(FerryException.TOO_LARGE);
    assertThat(tooLarge.getMessage()).contains("mailbox.max_message_bytes");
    assertThat(failure(inbox.address().send(null)).code()).isEqualTo(FerryException.BAD_REQUEST);
    assertThat(inbox.messageCount()).isZero();
    inbox.close();
  }

  @Test
  void introspectionListsMailboxesWithTheirQueues() {
    Mailbox inbox = cluster.newMailbox(2);
    await(inbox.address().send("waiting"));
    Eventually.await("node2 to report one waiting message", WAIT, () ->
        cluster.mailboxes(2).describe().getJsonArray("mailboxes").stream().map(JsonObject.class::cast)
            .anyMatch(m -> m.getString("address").equals(inbox.address().toString()) && m.getInteger("messages") == 1));
    inbox.close();
  }
}
