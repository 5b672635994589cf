package dev.ferry.raft;

import dev.ferry.core.FerryException;
import java.util.Locale;

/**
 * How fresh a query's answer must be. {@link #LINEARIZABLE} (the default) reads on the leader after
 * it confirms its leadership with a quorum; {@link #LEASE} reads on the leader while its lease
 * holds, without a round trip; {@link #EVENTUAL} reads the local replica once it has applied at
 * least the given minimum index. Immutable.
 */
public enum Consistency {
  LINEARIZABLE,
  LEASE,
  EVENTUAL;

  /** The wire name: {@code linearizable}, {@code lease}, {@code eventual}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name; null means the default. */
  public static Consistency parse(String text) {
    if (text == null) {
      return LINEARIZABLE;
    }
    for (Consistency c : values()) {
      if (c.wireName().equals(text)) {
        return c;
      }
    }
    throw FerryException.badRequest("consistency: expected linearizable, lease or eventual, got '" + text + "'");
  }
}
