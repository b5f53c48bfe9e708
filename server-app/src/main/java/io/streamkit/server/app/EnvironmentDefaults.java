package io.streamkit.server.app;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Supplies an option's value when the command line does not give it: the environment variable
 * {@code STREAMKIT_<NAME>} ({@code --max-inbound-message-size} is {@code STREAMKIT_MAX_INBOUND_MESSAGE_SIZE}),
 * else the config file's key (the long name without dashes: {@code max-inbound-message-size}), else the
 * option's own default. So the precedence is: flag, environment, config file, default. {@link #sourceOf} says
 * where a value came from, so that an error can name the variable, or the file and its key.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {
  private final Map<String, String> env;
  private final Map<String, String> configFile;
  private final Path configPath; // null: no config file

  EnvironmentDefaults() {
    this(System.getenv(), Map.of());
  }

  EnvironmentDefaults(Map<String, String> env) {
    this(env, Map.of());
  }

  EnvironmentDefaults(Map<String, String> env, Map<String, String> configFile) {
    this(env, configFile, null);
  }

  EnvironmentDefaults(Map<String, String> env, Map<String, String> configFile, Path configPath) {
    this.env = env;
    this.configFile = configFile;
    this.configPath = configPath;
  }

  /**
   * Where the value of {@code longName} comes from when the command line does not give it: {@code "environment
   * variable STREAMKIT_PORT"}, {@code "config file /etc/streamkit.properties, key 'port'"}, or null (its default).
   */
  String sourceOf(String longName) {
    String variable = variableFor(longName);
    if (env.containsKey(variable)) {
      return "environment variable " + variable;
    }
    String key = keyFor(longName);
    if (configFile.containsKey(key)) {
      return "config file " + (configPath == null ? "" : configPath + ", ") + "key '" + key + "'";
    }
    return null;
  }

  static String variableFor(String longName) {
    return "STREAMKIT_" + keyFor(longName).replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /** The config file key of an option: its long name without the leading dashes. */
  static String keyFor(String longName) {
    return longName.replaceFirst("^--", "");
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec option) {
      String value = env.get(variableFor(option.longestName()));
      if (value != null) {
        return value;
      }
      value = configFile.get(keyFor(option.longestName()));
      if (value != null) {
        return value;
      }
    }
    return arg.defaultValue();
  }
}
