package io.streamkit.api.v1;

/**
 * The rule for topic names, one for the server and every Java client: 1 to {@value #MAX_LENGTH} characters of
 * {@code [A-Za-z0-9._:/-]}. The server rejects a name that breaks it with INVALID_ARGUMENT and reason
 * {@link ErrorReason#TOPIC_INVALID}; the client checks it before sending, with the same message.
 *
 * <p>Thread-safe (stateless).
 */
public final class TopicNames {
  /** The longest topic name accepted. */
  public static final int MAX_LENGTH = 256;

  private TopicNames() {}

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

  /**
   * Returns {@code topic} when it is a valid name.
   *
   * @throws IllegalArgumentException with {@link #problem}'s message when it is not
   */
  public static String check(String topic) {
    String problem = problem(topic);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return topic;
  }
}
