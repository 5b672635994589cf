package dev.ferry.ctl;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as ipfs-cluster-ctl reads them (Go's {@code time.ParseDuration}): a sequence of
 * decimal numbers each with a unit, {@code 300ms}, {@code 1.5h}, {@code 2h45m}; units {@code ns},
 * {@code us}/{@code µs}, {@code ms}, {@code s}, {@code m}, {@code h}; {@code 0} alone needs none.
 * {@link Timeout} reads {@code --timeout}, which ipfs-cluster-ctl takes in whole seconds: a bare
 * number is seconds there. Stateless.
 */
final class GoDuration implements ITypeConverter<Duration> {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
  private static final Map<String, Long> NANOS = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L,
      "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

  @Override
  public Duration convert(String text) {
    return parse(text);
  }

  /** The duration {@code text} says; negative ones are refused (no option of ctl takes one). */
  static Duration parse(String text) {
    String value = text.strip();
    if (value.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(value);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < value.length() && m.find(at) && m.start() == at) {
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(NANOS.get(m.group(2)))));
      at = m.end();
    }
    if (at == 0 || at != value.length()) {
      throw new TypeConversionException("invalid duration '" + text + "': use a number with a unit, such as "
          + "300ms, 90s, 1.5h or 2h45m");
    }
    return Duration.ofNanos(nanos.longValue());
  }

  /** {@code --timeout}: whole seconds, as ipfs-cluster-ctl takes it, or a duration; 0 is no limit. */
  static final class Timeout implements ITypeConverter<Duration> {
    private static final Pattern SECONDS = Pattern.compile("\\d{1,12}");

    @Override
    public Duration convert(String text) {
      String value = text.strip();
      return SECONDS.matcher(value).matches() ? Duration.ofSeconds(Long.parseLong(value)) : parse(value);
    }
  }

  /** A duration as people read it: {@code 60s}, or {@code 1500ms} when not whole seconds. */
  static String format(Duration duration) {
    return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
  }
}
