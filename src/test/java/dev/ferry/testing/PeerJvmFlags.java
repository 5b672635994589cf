package dev.ferry.testing;

import java.util.List;

/**
 * Extra JVM flags for the peer processes a benchmark starts, from {@code -Dbench.peer.jvm}
 * (space-separated), e.g. a flight recording: with Maven,
 * {@code "-Dbench.jvm=-Dbench.peer.jvm=-XX:StartFlightRecording=filename=target/peer.jfr"}.
 */
public final class PeerJvmFlags {
  private PeerJvmFlags() {}

  /** The flags; none unless set. */
  public static List<String> get() {
    String flags = System.getProperty("bench.peer.jvm", "").trim();
    return flags.isEmpty() ? List.of() : List.of(flags.split("\\s+"));
  }
}
