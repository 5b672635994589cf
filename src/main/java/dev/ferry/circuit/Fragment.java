package dev.ferry.circuit;

import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Map;

/**
 * One message on a {@link Circuit}: user fields ({@code op}, {@code subject}, {@code part},
 * {@code args}, {@code payload}, {@code err}) and the fields the circuit stamps when it sends
 * ({@code fromPeerId}, {@code toPeerId}, {@code circuitId}, {@code serial}: whatever a caller put
 * there is replaced). A fragment whose {@code err} is not empty arrives on {@link Circuit#errors()}
 * instead of {@link Circuit#reads()}.
 *
 * <p>Immutable, except that {@code payload} is a Vert.x {@link Buffer} the sender should not
 * change after {@link Circuit#send} (it is not copied). A received payload is a fixed-size view of
 * the bytes that arrived: {@code copy()} it before appending to it. Safe to pass between threads.
 *
 * @param serial per circuit and direction, 1, 2, 3, ... in the order the fragments were sent
 * @param payload never null; at most {@code circuit.max_payload_bytes} (default 1 MiB)
 */
public record Fragment(
    String fromPeerId,
    String toPeerId,
    String circuitId,
    long serial,
    int op,
    String subject,
    long part,
    Map<String, String> args,
    Buffer payload,
    String err) {

  public Fragment {
    fromPeerId = fromPeerId == null ? "" : fromPeerId;
    toPeerId = toPeerId == null ? "" : toPeerId;
    circuitId = circuitId == null ? "" : circuitId;
    subject = subject == null ? "" : subject;
    args = args == null || args.isEmpty() ? Map.of() : Map.copyOf(args);
    payload = payload == null ? Buffer.buffer() : payload;
    err = err == null ? "" : err;
  }

  /** An empty fragment with this op. */
  public static Fragment of(int op) {
    return new Fragment(null, null, null, 0, op, null, 0, null, null, null);
  }

  /** A fragment with this op and payload. */
  public static Fragment of(int op, Buffer payload) {
    return of(op).withPayload(payload);
  }

  /** A fragment that reports an error to the other side (it arrives on {@link Circuit#errors()}). */
  public static Fragment error(String err) {
    return of(0).withErr(err);
  }

  public Fragment withOp(int newOp) {
    return new Fragment(fromPeerId, toPeerId, circuitId, serial, newOp, subject, part, args, payload, err);
  }

  public Fragment withSubject(String newSubject) {
    return new Fragment(fromPeerId, toPeerId, circuitId, serial, op, newSubject, part, args, payload, err);
  }

  public Fragment withPart(long newPart) {
    return new Fragment(fromPeerId, toPeerId, circuitId, serial, op, subject, newPart, args, payload, err);
  }

  public Fragment withPayload(Buffer newPayload) {
    return new Fragment(fromPeerId, toPeerId, circuitId, serial, op, subject, part, args, newPayload, err);
  }

  public Fragment withErr(String newErr) {
    return new Fragment(fromPeerId, toPeerId, circuitId, serial, op, subject, part, args, payload, newErr);
  }

  /** The same fragment with one more argument (or a new value for it). */
  public Fragment withArg(String key, String value) {
    Map<String, String> more = new HashMap<>(args);
    more.put(key, value);
    return new Fragment(fromPeerId, toPeerId, circuitId, serial, op, subject, part, more, payload, err);
  }

  /** The value of an argument, or null. */
  public String arg(String key) {
    return args.get(key);
  }

  /** Whether the other side reported an error with this fragment. */
  public boolean isError() {
    return !err.isEmpty();
  }

  /** The fragment as sent on a circuit: routing fields and serial set by the circuit. */
  Fragment stamped(String from, String to, String circuit, long newSerial) {
    return new Fragment(from, to, circuit, newSerial, op, subject, part, args, payload, err);
  }

  @Override
  public String toString() {
    return "Fragment{" + circuitId + "#" + serial + " op=" + op + (subject.isEmpty() ? "" : " subject=" + subject)
        + (part == 0 ? "" : " part=" + part) + (args.isEmpty() ? "" : " args=" + args)
        + " payload=" + payload.length() + "B" + (err.isEmpty() ? "" : " err=" + err) + "}";
  }
}
