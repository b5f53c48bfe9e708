package io.streamkit.server;

import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Reads an option's default from the environment variable {@code STREAMKIT_<NAME>}: {@code --max-inbound-message-size}
 * is {@code STREAMKIT_MAX_INBOUND_MESSAGE_SIZE}. Falls back to the option's own default.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {
  private final Map<String, String> env;

  EnvironmentDefaults() {
    this(System.getenv());
  }

  EnvironmentDefaults(Map<String, String> env) {
    this.env = env;
  }

  static String variableFor(String longName) {
    return "STREAMKIT_" + longName.replaceFirst("^--", "").replace('-', '_').toUpperCase(java.util.Locale.ROOT);
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec option) {
      String value = env.get(variableFor(option.longestName()));
      if (value != null) {
        return value;
      }
    }
    return arg.defaultValue();
  }
}
