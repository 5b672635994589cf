package dev.ferry.registry;

import dev.ferry.core.FerryException;
import java.util.Locale;

/** What the registry does when a name has claimants on more than one mailbox. */
public enum ConflictPolicy {
  /** Keep every claim; each claimant receives {@link MultipleClaim} (the default). */
  NOTIFY,
  /** Keep the oldest claim and drop the others; each claimant receives {@link MultipleClaim}. */
  KEEP_OLDEST,
  /** Keep the newest claim and drop the others; each claimant receives {@link MultipleClaim}. */
  KEEP_NEWEST;

  /** The wire form: {@code notify}, {@code keep-oldest}, {@code keep-newest}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static ConflictPolicy fromWire(String text) {
    if (text == null) {
      return NOTIFY;
    }
    for (ConflictPolicy p : values()) {
      if (p.wire().equals(text)) {
        return p;
      }
    }
    throw FerryException.badRequest("policy: expected notify, keep-oldest or keep-newest, got '" + text + "'");
  }
}
