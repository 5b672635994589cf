package dev.ferry.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.ferry.core.FerryException;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Futures;
import dev.ferry.testing.SharedJvmCluster;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Messages to a mailbox on the sender's node, which skip the event bus: immutable records are
 * handed over as they are, everything else is copied, order holds across sends and requests, and
 * every rule of a send to another node (size, serializability, timeouts, closing) still applies.
 */
@Timeout(120)
class LocalDeliveryTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  @RegisterExtension
  static final SharedJvmCluster cluster = new SharedJvmCluster(2);

  public enum Mood { CALM, LOUD }

  public record Point(double x, double y) {}

  public record Note(String text, long n, Mood mood, UUID id, Instant at, Point where, Address replyTo) {}

  public record Tags(List<String> tags) {}

  public record Secret(String shown, @JsonIgnore String hidden) {}

  /** Jackson cannot serialize a plain Object. */
  public record Opaque(Object thing) {}

  private static <T> T await(Future<T> future) {
    return Futures.await(future, WAIT);
  }

  @Test
  void anImmutableRecordIsHandedOverAsItIsAndItsAddressStillWorks() {
    Mailbox alice = cluster.newMailbox(1);
    Mailbox bob = cluster.newMailbox(1);
    Note note = new Note("hi", 7, Mood.CALM, UUID.randomUUID(), Instant.now(), new Point(1, 2), alice.address());
    await(bob.address().send(note));

    Object received = await(bob.receive(WAIT));
    assertThat(received).isSameAs(note);
    await(((Note) received).replyTo().send("pong"));
    assertThat(await(alice.receive(WAIT))).isEqualTo("pong");
    alice.close();
    bob.close();
  }

  @Test
  void theSameRecordToAnotherNodeArrivesAsAnEqualCopy() {
    Mailbox alice = cluster.newMailbox(1);
    Mailbox far = cluster.newMailbox(2);
    Note note = new Note("hi", 7, Mood.LOUD, UUID.randomUUID(), Instant.now(), new Point(1, 2), alice.address());
    await(cluster.mailboxes(1).address(far.address().toString()).send(note));

    Object received = await(far.receive(WAIT));
    assertThat(received).isNotSameAs(note).isEqualTo(note);
    alice.close();
    far.close();
  }

  @Test
  void aRecordWithAMutableComponentIsCopiedSoLaterChangesDoNotReachTheReceiver() {
    Mailbox inbox = cluster.newMailbox(1);
    List<String> tags = new ArrayList<>(List.of("a"));
    await(inbox.address().send(new Tags(tags)));
    tags.add("changed after the send");

    Object received = await(inbox.receive(WAIT));
    assertThat(received).isEqualTo(new Tags(List.of("a")));
    inbox.close();
  }

  @Test
  void aRecordJacksonIsToldAboutReadsTheSameHereAsOnAnotherNode() {
    Mailbox near = cluster.newMailbox(1);
    Mailbox far = cluster.newMailbox(2);
    Secret secret = new Secret("shown", "hidden");
    await(near.address().send(secret));
    await(cluster.mailboxes(1).address(far.address().toString()).send(secret));

    assertThat(await(near.receive(WAIT))).isEqualTo(new Secret("shown", null));
    assertThat(await(far.receive(WAIT))).isEqualTo(new Secret("shown", null));
    near.close();
    far.close();
  }

  @Test
  void anAddressFromTextIsCopiedSoItArrivesReadyToSend() {
    Mailbox alice = cluster.newMailbox(1);
    Mailbox bob = cluster.newMailbox(1);
    Address unbound = Address.parse(alice.address().toString());
    await(bob.address().send(new Note("x", 1, Mood.CALM, null, null, null, unbound)));

    Note received = (Note) await(bob.receive(WAIT));
    await(received.replyTo().send("reached"));
    assertThat(await(alice.receive(WAIT))).isEqualTo("reached");
    alice.close();
    bob.close();
  }

  @Test
  void theSizeLimitAndSerializabilityAreTheSameHereAsAcrossNodes() {
    Mailbox near = cluster.newMailbox(1);
    Address far = cluster.mailboxes(1).address(cluster.newMailbox(2).address().toString());
    Note huge = new Note("x".repeat(2 * 1024 * 1024), 1, Mood.CALM, null, null, null, null);
    for (Address to : List.of(near.address(), far)) {
      Throwable tooLarge = Futures.cause(to.send(huge), WAIT);
      assertThat(tooLarge).isInstanceOf(FerryException.class);
      assertThat(((FerryException) tooLarge).code()).isEqualTo(FerryException.TOO_LARGE);
      Throwable unserializable = Futures.cause(to.send(new Opaque(new Object())), WAIT);
      assertThat(((FerryException) unserializable).code()).isEqualTo(FerryException.BAD_REQUEST);
    }
    assertThat(near.messageCount()).isZero();
    near.close();
  }

  @Test
  void aRequestCarriesASharedRecordAndIsAnswered() {
    Mailbox server = cluster.newMailbox(1);
    Point asked = new Point(3, 4);
    var answer = server.address().request(asked, WAIT);
    Request request = (Request) await(server.receive(WAIT));
    assertThat(request.body()).isSameAs(asked);
    await(request.reply(new Point(5, 0)));
    assertThat(await(answer)).isEqualTo(new Point(5, 0));
    server.close();
  }

  @Test
  void sendsAndRequestsFromOneSenderArriveInTheOrderTheyWereMade() {
    Mailbox inbox = cluster.newMailbox(1);
    List<Future<Object>> answers = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      if (i % 10 == 0) {
        answers.add(inbox.address().request(i, WAIT));
      } else {
        await(inbox.address().send(i));
      }
    }
    for (int i = 0; i < 200; i++) {
      Object received = await(inbox.receive(WAIT));
      if (received instanceof Request r) {
        assertThat(r.body()).isEqualTo(i);
        await(r.reply("ok " + i));
      } else {
        assertThat(received).isEqualTo(i);
      }
    }
    assertThat(answers).allSatisfy(a -> assertThat(await(a)).asString().startsWith("ok "));
    inbox.close();
  }

  @Test
  void aRequestNobodyAnswersTimesOutAndAClosingMailboxFailsTheRest() {
    Mailbox inbox = cluster.newMailbox(1);
    Throwable timeout = Futures.cause(inbox.address().request("anyone?", Duration.ofMillis(50)), WAIT);
    assertThat(((FerryException) timeout).code()).isEqualTo(FerryException.TIMEOUT);

    var unread = inbox.address().request("still there?", WAIT);
    Eventually.await("the request to be queued", WAIT, () -> inbox.messageCount() == 2);
    await(inbox.close());
    assertThat(((FerryException) Futures.cause(unread, WAIT)).code()).isEqualTo(MailboxWire.MAILBOX_GONE);
    assertThat(((FerryException) Futures.cause(inbox.address().send("late"), WAIT)).code())
        .isEqualTo(MailboxWire.MAILBOX_GONE);
  }

  @Test
  void aReplyIsACopyUnlessItIsImmutable() {
    Mailbox server = cluster.newMailbox(1);
    var answer = server.address().request("give me json", WAIT);
    Request request = (Request) await(server.receive(WAIT));
    JsonObject reply = new JsonObject().put("n", 1);
    await(request.reply(reply));
    reply.put("n", 2);
    assertThat(await(answer)).isEqualTo(new JsonObject().put("n", 1));
    server.close();
  }

  @Test
  void aFullRejectingMailboxFailsALocalRequestAtOnce() {
    Mailbox small = cluster.mailboxes(1).create(MailboxOptions.bounded(1, MailboxOptions.Overflow.REJECT)).await();
    await(small.address().send("first"));
    Eventually.await("the first message to be queued", WAIT, () -> small.messageCount() == 1);
    Throwable full = Futures.cause(small.address().request("second", WAIT), WAIT);
    assertThat(((FerryException) full).code()).isEqualTo(MailboxWire.MAILBOX_FULL);
    small.close();
  }
}
