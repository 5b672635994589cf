package dev.ferry.circuit;

import io.vertx.core.Context;
import io.vertx.core.streams.ReadStream;

/**
 * Peer services every node offers, for diagnostics, tests and benchmarks.
 * <ul>
 *   <li>{@code echo} sends every fragment back on the same circuit, with backpressure.</li>
 *   <li>{@code discard} reads and drops everything; a fragment with subject {@code report} is
 *   answered with subject {@code report} and args {@code fragments}, {@code bytes}: what it had
 *   read on that circuit until then.</li>
 * </ul>
 * Stateless; each circuit's state lives in its handlers, on the peer's context.
 */
final class Builtins {
  static final String ECHO = "echo";
  static final String DISCARD = "discard";
  static final String REPORT = "report";

  private Builtins() {}

  static void echo(LocalPeer me, Context ctx, ReadStream<Circuit> newCircuits) {
    newCircuits.handler(circuit -> circuit.reads().pipeTo(circuit));
  }

  static void discard(LocalPeer me, Context ctx, ReadStream<Circuit> newCircuits) {
    newCircuits.handler(circuit -> {
      long[] totals = new long[2];
      circuit.reads().handler(f -> {
        totals[0]++;
        totals[1] += f.payload().length();
        if (REPORT.equals(f.subject())) {
          circuit.send(Fragment.of(f.op()).withSubject(REPORT)
              .withArg("fragments", Long.toString(totals[0])).withArg("bytes", Long.toString(totals[1])));
        }
      });
    });
  }
}
