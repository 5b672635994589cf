package dev.ferry.circuit.impl;

import dev.ferry.circuit.Fragment;
import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The wire format of circuits (docs/CIRCUITS.md, "CircuitWire protocol"): every message is a body (the
 * payload, a Buffer; bridge clients may send it as a base64 string) and string headers, so a
 * JavaScript client on the SockJS bridge can hold one end. Stateless.
 */
public final class CircuitWire {
  public static final String KIND = "kind";
  public static final String OPEN = "open";
  public static final String OPENED = "opened";
  public static final String FRAGMENT = "fragment";
  public static final String CREDIT = "credit";
  public static final String CLOSE = "close";
  public static final String CLOSED = "closed";

  public static final String CIRCUIT = "circuit";
  public static final String FROM = "from";
  public static final String FROM_NODE = "from-node";
  public static final String FROM_SERVICE = "from-service";
  public static final String NODE = "node";
  public static final String SERVICE = "service";
  public static final String WINDOW = "window";
  public static final String BYTES = "bytes";
  public static final String REASON = "reason";
  public static final String REPLY_TO = "reply-to";
  /**
   * In {@code open} and {@code opened}: {@value #YES} when this end, a Java peer, takes the circuit's
   * traffic on the circuit link; when both ends say so and their nodes differ, it goes there.
   */
  public static final String LINK = "link";
  /**
   * In {@code open}: {@value #YES} when the opener is an event-bus bridge client. The bridge sets it
   * on every frame a client sends to a circuit address (a client cannot leave it out); a peer of a
   * service registered for nodes only ({@code Circuits.registerNodePeerService}) refuses such an open.
   */
  public static final String FROM_BRIDGE = "from-bridge";
  public static final String YES = "1";

  public static final String SERIAL = "serial";
  public static final String OP = "op";
  public static final String SUBJECT = "subject";
  public static final String PART = "part";
  public static final String ARGS = "args";
  public static final String ERR = "err";

  /**
   * What a fragment costs in credit beyond its payload: its share of headers and framing, so that
   * empty fragments are not free. Part of the protocol: both ends must count alike.
   */
  public static final int FRAGMENT_OVERHEAD = 256;

  /** Error code of writes to a circuit that is closed or ending. */
  public static final String CIRCUIT_CLOSED = "circuit-closed";

  /** Ids of peers and circuits: no dots, so addresses split unambiguously. */
  public static final String ID = "[A-Za-z0-9_-]{1,64}";

  private CircuitWire() {}

  /** The credit a fragment with this payload uses. */
  public static long cost(int payloadBytes) {
    return (long) payloadBytes + FRAGMENT_OVERHEAD;
  }

  public static DeliveryOptions kind(String kind) {
    return new DeliveryOptions().addHeader(KIND, kind);
  }

  /** A message for one circuit: its kind and the circuit's id (what a peer address demultiplexes by). */
  public static DeliveryOptions onCircuit(String kind, String circuit) {
    return kind(kind).addHeader(CIRCUIT, circuit);
  }

  /**
   * Where the end of {@code circuit} held by {@code peerId} receives, as it named it in
   * {@value #REPLY_TO} of its open or opened: its peer address, or the circuit's own address (also
   * what an end that names nothing gets, as bridge clients of the first protocol did). Anything
   * else is a {@code bad-request}: an end may only direct traffic to addresses of its own.
   */
  public static String replyTo(MultiMap headers, String peerId, String circuit) {
    String named = headers.get(REPLY_TO);
    String own = Addresses.circuit(peerId, circuit);
    if (named == null || named.equals(own)) {
      return own;
    }
    if (named.equals(Addresses.circuitPeer(peerId))) {
      return Addresses.circuitPeer(peerId);
    }
    throw FerryException.badRequest("header " + REPLY_TO + ": expected " + Addresses.circuitPeer(peerId) + " or "
        + own + ", got " + named);
  }

  /**
   * Headers of a fragment: the kind, the serial, and each user field that is not its default; its
   * payload travels with {@link PayloadCodec}.
   */
  public static DeliveryOptions fragment(String kind, Fragment f, long serial) {
    DeliveryOptions options = kind(kind).addHeader(SERIAL, Long.toString(serial)).setCodecName(PayloadCodec.NAME);
    if (f.op() != 0) {
      options.addHeader(OP, Integer.toString(f.op()));
    }
    if (!f.subject().isEmpty()) {
      options.addHeader(SUBJECT, f.subject());
    }
    if (f.part() != 0) {
      options.addHeader(PART, Long.toString(f.part()));
    }
    if (!f.args().isEmpty()) {
      options.addHeader(ARGS, new JsonObject(new HashMap<>(f.args())).encode());
    }
    if (!f.err().isEmpty()) {
      options.addHeader(ERR, f.err());
    }
    return options;
  }

  /** Reads the fragment a message carries; a malformed one is a {@code bad-request}. */
  public static Fragment readFragment(Message<?> message, String from, String to, String circuit) {
    MultiMap h = message.headers();
    Map<String, String> args = null;
    String argsText = h.get(ARGS);
    if (argsText != null) {
      try {
        args = new HashMap<>();
        for (Map.Entry<String, Object> e : new JsonObject(argsText)) {
          args.put(e.getKey(), String.valueOf(e.getValue()));
        }
      } catch (RuntimeException e) {
        throw FerryException.badRequest("header args: expected a JSON object of strings, got " + argsText);
      }
    }
    return new Fragment(from, to, circuit, number(h, SERIAL, -1), (int) number(h, OP, 0), h.get(SUBJECT),
        number(h, PART, 0), args, payload(message.body()), h.get(ERR));
  }

  /** The payload of a body: a Buffer from Java, base64 text from a bridge client, nothing when empty. */
  public static Buffer payload(Object body) {
    if (body == null) {
      return Buffer.buffer();
    }
    if (body instanceof Buffer buffer) {
      return buffer;
    }
    if (body instanceof byte[] bytes) {
      return Buffer.buffer(bytes);
    }
    if (body instanceof String text) {
      try {
        return Buffer.buffer(Base64.getDecoder().decode(text));
      } catch (IllegalArgumentException e) {
        throw FerryException.badRequest("a text payload must be base64: " + e.getMessage());
      }
    }
    throw FerryException.badRequest("a payload is bytes (or base64 text), got " + body.getClass().getSimpleName());
  }

  /** A numeric header, or {@code absent} when missing; malformed is a {@code bad-request}. */
  public static long number(MultiMap headers, String name, long absent) {
    String text = headers.get(name);
    if (text == null) {
      return absent;
    }
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw FerryException.badRequest("header " + name + ": expected an integer, got " + text);
    }
  }

  /** A required header matching {@code pattern}. */
  public static String required(MultiMap headers, String name, String pattern) {
    String value = headers.get(name);
    if (value == null || !value.matches(pattern)) {
      throw FerryException.badRequest("header " + name + ": expected " + pattern + ", got " + value);
    }
    return value;
  }
}
