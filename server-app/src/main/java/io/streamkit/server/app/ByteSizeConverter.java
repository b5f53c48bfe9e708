package io.streamkit.server.app;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses sizes such as {@code 4194304}, {@code 512KiB}, {@code 4MiB} or {@code 1GiB} into bytes. */
final class ByteSizeConverter implements ITypeConverter<Long> {
  @Override
  public Long convert(String value) {
    String v = value.trim();
    String lower = v.toLowerCase(Locale.ROOT);
    long unit = 1;
    String digits = v;
    if (lower.endsWith("kib")) {
      unit = 1024;
      digits = v.substring(0, v.length() - 3);
    } else if (lower.endsWith("mib")) {
      unit = 1024 * 1024;
      digits = v.substring(0, v.length() - 3);
    } else if (lower.endsWith("gib")) {
      unit = 1024L * 1024 * 1024;
      digits = v.substring(0, v.length() - 3);
    } else if (lower.endsWith("b")) {
      digits = v.substring(0, v.length() - 1);
    }
    try {
      long n = Long.parseLong(digits.trim());
      if (n <= 0) {
        throw new TypeConversionException("'" + value + "' (expected: a size > 0, e.g. 4MiB)");
      }
      return Math.multiplyExact(n, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new TypeConversionException("'" + value + "' (expected: a size such as 4194304, 512KiB or 4MiB)");
    }
  }
}
