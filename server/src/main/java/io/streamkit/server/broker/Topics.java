package io.streamkit.server.broker;

/** Topic-name rules, shared by every broker and RPC. */
public final class Topics {
  /** The longest topic name accepted. */
  public static final int MAX_LENGTH = 256;

  private Topics() {}

  /** Null when {@code topic} is a valid name, otherwise a message naming it and what was expected. */
  public static String problem(String topic) {
    if (topic == null || topic.isEmpty()) {
      return "topic '' is empty (expected: 1 to " + MAX_LENGTH + " characters of [A-Za-z0-9._:/-])";
    }
    if (topic.length() > MAX_LENGTH) {
      return "topic '" + topic.substring(0, 32) + "...' has " + topic.length() + " characters (expected: 1 to "
          + MAX_LENGTH + ")";
    }
    for (int i = 0; i < topic.length(); i++) {
      char c = topic.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
      if (!ok) {
        return "topic '" + topic + "' has the character '" + c + "' at index " + i
            + " (expected: only [A-Za-z0-9._:/-])";
      }
    }
    return null;
  }

  /** Throws IllegalArgumentException with {@link #problem}'s message when {@code topic} is not valid. */
  public static String check(String topic) {
    String problem = problem(topic);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return topic;
  }
}
