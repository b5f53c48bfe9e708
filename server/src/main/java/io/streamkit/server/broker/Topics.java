package io.streamkit.server.broker;

import io.streamkit.api.v1.TopicNames;

/**
 * Topic-name rules, shared by every broker and RPC: the wire contract's {@link TopicNames}, which the Java client
 * checks too, so that both sides accept and reject the same names with the same message.
 */
public final class Topics {
  /** The longest topic name accepted. */
  public static final int MAX_LENGTH = TopicNames.MAX_LENGTH;

  private Topics() {}

  /** Null when {@code topic} is a valid name, otherwise a message naming it and what was expected. */
  public static String problem(String topic) {
    return TopicNames.problem(topic);
  }

  /** Throws IllegalArgumentException with {@link #problem}'s message when {@code topic} is not valid. */
  public static String check(String topic) {
    return TopicNames.check(topic);
  }
}
