package io.streamkit.server.app;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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
    } catch (IOException | IllegalArgumentException e) {
      // IllegalArgumentException: a malformed unicode escape, which Properties reports without the file.
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
}
