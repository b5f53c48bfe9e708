package io.streamkit.server.app;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the server's config file ({@code --config FILE}): Java properties syntax, one {@code key = value} per
 * line, {@code #} comments; each key is an option's long name without the dashes ({@code port = 9090},
 * {@code max-inbound-message-size = 8MiB}). Values are parsed exactly as the flags are, and a bad one is reported
 * naming the file, the key and the value (see {@link EnvironmentDefaults#sourceOf}); an unknown key is an error
 * naming the file and the key, so a typo never silently falls back to a default.
 */
final class ConfigFile {
  private ConfigFile() {}

  /**
   * @param knownKeys the keys the CLI accepts
   * @throws IllegalArgumentException if the file cannot be read or names an unknown key
   */
  static Map<String, String> load(Path file, Set<String> knownKeys) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IllegalArgumentException e) {
      // A malformed unicode escape, which Properties reports without the file, the line or the key.
      throw new IllegalArgumentException(malformedEscape(file).orElse(
          "config file " + file + ": cannot read it (" + e.getMessage() + ")"), e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "invalid value for option '--config' (STREAMKIT_CONFIG): '" + file + "': cannot read it ("
              + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String key : new TreeSet<>(properties.stringPropertyNames())) {
      if (!knownKeys.contains(key) || key.equals("config")) {
        throw new IllegalArgumentException("config file " + file + ": unknown key '" + key
            + "' (expected: an option's long name without dashes, one of " + new TreeSet<>(knownKeys) + ")");
      }
      values.put(key, properties.getProperty(key).trim());
    }
    return values;
  }

  /**
   * "config file F, line N, key 'K': 'V': malformed unicode escape '\\u12x' (...)" for the first line of
   * {@code file} holding a {@code \\u} not followed by four hex digits; empty if no line does (or it cannot be
   * read again). Continuation lines are checked each on its own, naming the key of the line they continue.
   */
  static Optional<String> malformedEscape(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return Optional.empty();
    }
    String key = null;
    boolean continued = false;
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n);
      String text = line.stripLeading();
      String value = text;
      if (!continued) {
        if (text.isEmpty() || text.startsWith("#") || text.startsWith("!")) {
          continue;
        }
        key = keyOf(text);
        value = text.substring(key.length()).stripLeading();
        if (value.startsWith("=") || value.startsWith(":")) {
          value = value.substring(1).stripLeading();
        }
      }
      int bad = badEscapeAt(text);
      if (bad >= 0) {
        String escape = text.substring(bad, Math.min(text.length(), bad + 6));
        return Optional.of("config file " + file + ", line " + (n + 1) + ", key '" + key + "': '" + value.strip()
            + "': malformed unicode escape '" + escape + "' (expected: \\u and 4 hex digits, e.g. \\u00e9;"
            + " write a backslash as \\\\)");
      }
      continued = endsWithContinuation(line);
    }
    return Optional.empty();
  }

  /** The key of a properties line: up to the first unescaped '=', ':' or white space. */
  private static String keyOf(String text) {
    StringBuilder key = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length()) {
        key.append(c).append(text.charAt(++i));
      } else if (c == '=' || c == ':' || Character.isWhitespace(c)) {
        break;
      } else {
        key.append(c);
      }
    }
    return key.toString();
  }

  /** Where the first backslash-u not followed by 4 hex digits starts, skipping escaped backslashes; or -1. */
  private static int badEscapeAt(String text) {
    for (int i = 0; i < text.length() - 1; i++) {
      if (text.charAt(i) != '\\') {
        continue;
      }
      if (text.charAt(i + 1) == 'u') {
        if (i + 6 > text.length() || !text.substring(i + 2, i + 6).chars().allMatch(ConfigFile::isHex)) {
          return i;
        }
      }
      i++; // the escaped character is not itself an escape
    }
    return -1;
  }

  private static boolean isHex(int c) {
    return Character.digit(c, 16) >= 0;
  }

  private static boolean endsWithContinuation(String line) {
    int backslashes = 0;
    for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
      backslashes++;
    }
    return backslashes % 2 == 1;
  }
}
