package io.streamkit.server.app;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses durations such as {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601 {@code PT5S}; {@code 0}
 * and {@code off} are zero.
 */
final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  @Override
  public Duration convert(String value) {
    String v = value.trim();
    if (v.equals("0") || v.equalsIgnoreCase("off")) {
      return Duration.ZERO; // options whose zero means "off" show and accept it as "off"
    }
    Matcher m = SIMPLE.matcher(v);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
    try {
      Duration d = Duration.parse(v);
      if (d.isNegative()) {
        throw new TypeConversionException("'" + value + "' (expected: a duration >= 0)");
      }
      return d;
    } catch (DateTimeParseException e) {
      throw new TypeConversionException("'" + value + "' (expected: a duration such as 500ms, 5s, 2m or PT5S)");
    }
  }
}
