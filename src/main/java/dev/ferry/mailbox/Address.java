package dev.ferry.mailbox;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a {@link Mailbox} receives: {@code ferry.mbx.<node>.<incarnation>.<n>}, valid anywhere in
 * the cluster and only for the run of the node that created it. Equality and hash are by that id.
 *
 * <p>An address has a string form ({@link #toString()}), a JSON form ({@link #toJson()}) and a
 * binary form ({@link #toBuffer()}); inside a message it travels as its string and arrives bound
 * to the receiving node, so it can be used after the hop. An address {@link #parse parsed} from
 * text is unbound: bind it with {@link Mailboxes#address(String)} before sending.
 *
 * <p>Immutable and thread-safe.
 */
@JsonDeserialize(using = AddressJson.class)
public final class Address {
  private static final Pattern FORM = Pattern.compile("ferry\\.mbx\\.([A-Za-z0-9_-]+)\\.([0-9a-z]+)\\.([0-9]{1,18})");

  private final String node;
  private final String incarnation;
  private final long n;
  private final String id;
  private final Mailboxes via;

  Address(String node, String incarnation, long n, Mailboxes via) {
    this.node = node;
    this.incarnation = incarnation;
    this.n = n;
    this.id = Addresses.mailbox(node, incarnation, n);
    this.via = via;
  }

  /**
   * Reads the string form; anything else is a {@code bad-request} that says what an address
   * looks like. The result is unbound.
   */
  public static Address parse(String text) {
    Matcher m = text == null ? null : FORM.matcher(text);
    if (m == null || !m.matches()) {
      throw FerryException.badRequest("not a mailbox address: '" + text
          + "' (expected ferry.mbx.<node>.<incarnation>.<n>)");
    }
    return new Address(m.group(1), m.group(2), Long.parseLong(m.group(3)), null);
  }

  /** Whether this address sends through {@code mailboxes}: read there, or created there. */
  boolean isBoundTo(Mailboxes mailboxes) {
    return via == mailboxes;
  }

  /** Reads the JSON form {@code {"node", "incarnation", "n"}}. The result is unbound. */
  public static Address fromJson(JsonObject json) {
    try {
      return parse(Addresses.mailbox(json.getString("node"), json.getString("incarnation"), json.getLong("n")));
    } catch (ClassCastException | NullPointerException e) {
      throw FerryException.badRequest("not a mailbox address: " + json.encode()
          + " (expected {\"node\", \"incarnation\", \"n\"})");
    }
  }

  /** Reads the binary form. The result is unbound. */
  public static Address fromBuffer(Buffer buffer) {
    return parse(buffer.toString(StandardCharsets.UTF_8));
  }

  /** The node that hosts the mailbox. */
  public String node() {
    return node;
  }

  /** The run of that node that created the mailbox. */
  public String incarnation() {
    return incarnation;
  }

  /** The mailbox's number within that run. */
  public long n() {
    return n;
  }

  public JsonObject toJson() {
    return new JsonObject().put("node", node).put("incarnation", incarnation).put("n", n);
  }

  public Buffer toBuffer() {
    return Buffer.buffer(id, StandardCharsets.UTF_8.name());
  }

  /** This address bound to a node's mailboxes, so it can send. */
  Address boundTo(Mailboxes mailboxes) {
    return via == mailboxes ? this : new Address(node, incarnation, n, mailboxes);
  }

  /**
   * Sends a message. Fails at once if the mailbox is known to be gone (closed, unknown here, of an
   * earlier incarnation, or its node is not in the cluster), if the body cannot be serialized or
   * is too large, or if a local bounded mailbox rejects it; otherwise delivery is best effort, in
   * order per sender–receiver pair.
   */
  public Future<Void> send(Object message) {
    return bound().send(this, message);
  }

  /** Sends a request; the receiver gets a {@link Request} and its reply completes the future. */
  public Future<Object> request(Object message, Duration timeout) {
    return bound().request(this, message, timeout);
  }

  /**
   * Makes {@code watcher} (a mailbox of this node) receive one {@link MailboxDown} when this
   * mailbox closes ({@code closed}), its node leaves the cluster ({@code node-down}), or it is
   * already gone ({@code no-such-mailbox}).
   */
  public Future<Void> monitor(Address watcher) {
    return bound().monitor(this, watcher);
  }

  /** Undoes {@link #monitor}: no {@link MailboxDown} about this address reaches {@code watcher} afterwards. */
  public Future<Void> demonitor(Address watcher) {
    return bound().demonitor(this, watcher);
  }

  /** Both mailboxes monitor each other; {@code local} is a mailbox of this node. */
  public Future<Void> link(Address local) {
    return bound().link(this, local);
  }

  private Mailboxes bound() {
    if (via == null) {
      throw FerryException.badRequest("address " + id + " is not bound to a node: use Mailboxes.address(\""
          + id + "\")");
    }
    return via;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Address a && a.id.equals(id);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  /** The string form, which is also the event-bus address of the mailbox. */
  @JsonValue
  @Override
  public String toString() {
    return id;
  }
}
