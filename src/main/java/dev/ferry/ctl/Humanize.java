package dev.ferry.ctl;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The two helpers of go-humanize that ipfs-cluster-ctl's formatters use: {@link #bytes} (SI units,
 * {@code 83 MB}) and {@link #time} (relative, {@code 3 minutes from now}). Stateless.
 */
final class Humanize {
  private static final String[] SIZES = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  private static final double BASE = 1000;
  private static final int SMALL = 10;

  private static final Duration DAY = Duration.ofHours(24);
  private static final Duration WEEK = DAY.multipliedBy(7);
  private static final Duration MONTH = DAY.multipliedBy(30);
  private static final Duration YEAR = MONTH.multipliedBy(12);
  private static final Duration LONG_TIME = YEAR.multipliedBy(37);

  /** go-humanize's magnitudes: below {@code below}, {@code format} with the difference divided by {@code unit}. */
  private record Magnitude(Duration below, String format, Duration unit) {}

  private static final List<Magnitude> MAGNITUDES = List.of(
      new Magnitude(Duration.ofSeconds(1), "now", null),
      new Magnitude(Duration.ofSeconds(2), "1 second %s", null),
      new Magnitude(Duration.ofMinutes(1), "%d seconds %s", Duration.ofSeconds(1)),
      new Magnitude(Duration.ofMinutes(2), "1 minute %s", null),
      new Magnitude(Duration.ofHours(1), "%d minutes %s", Duration.ofMinutes(1)),
      new Magnitude(Duration.ofHours(2), "1 hour %s", null),
      new Magnitude(DAY, "%d hours %s", Duration.ofHours(1)),
      new Magnitude(DAY.multipliedBy(2), "1 day %s", null),
      new Magnitude(WEEK, "%d days %s", DAY),
      new Magnitude(WEEK.multipliedBy(2), "1 week %s", null),
      new Magnitude(MONTH, "%d weeks %s", WEEK),
      new Magnitude(MONTH.multipliedBy(2), "1 month %s", null),
      new Magnitude(YEAR, "%d months %s", MONTH),
      new Magnitude(MONTH.multipliedBy(18), "1 year %s", null),
      new Magnitude(YEAR.multipliedBy(2), "2 years %s", null),
      new Magnitude(LONG_TIME, "%d years %s", YEAR));

  private Humanize() {}

  /** {@code 9 B}, {@code 1.2 kB}, {@code 83 MB}: powers of 1000, one decimal below 10. */
  static String bytes(long bytes) {
    if (bytes < SMALL) {
      return bytes + " B";
    }
    int e = (int) Math.floor(Math.log(bytes) / Math.log(BASE));
    double value = Math.floor(bytes / Math.pow(BASE, e) * SMALL + 0.5) / SMALL;
    return String.format(Locale.ROOT, value < SMALL ? "%.1f %s" : "%.0f %s", value, SIZES[e]);
  }

  /** {@code then} relative to {@code now}: {@code 5 seconds ago}, {@code 2 minutes from now}, {@code now}. */
  static String time(Instant then, Instant now) {
    String label = "ago";
    Duration diff = Duration.between(then, now);
    if (then.isAfter(now)) {
      label = "from now";
      diff = diff.negated();
    }
    for (Magnitude m : MAGNITUDES) {
      if (m.below().compareTo(diff) > 0) {
        return render(m, diff, label);
      }
    }
    return "a long while " + label;
  }

  private static String render(Magnitude m, Duration diff, String label) {
    if (m.unit() != null) {
      return String.format(Locale.ROOT, m.format(), diff.toNanos() / m.unit().toNanos(), label);
    }
    return m.format().contains("%s") ? String.format(Locale.ROOT, m.format(), label) : m.format();
  }
}
