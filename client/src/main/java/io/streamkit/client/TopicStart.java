package io.streamkit.client;

import io.streamkit.api.v1.TopicNames;
import java.util.Objects;

/**
 * Where a subscription to one topic starts: {@link #live live} (only events published after it is
 * registered), {@link #oldest oldest} (everything retained, then live) or {@link #after after} an offset of
 * an epoch (resume). See {@code docs/SERVER-PUSH.md} for the server's semantics of each. Every factory checks the
 * topic with the server's rule ({@link TopicNames}) and throws IllegalArgumentException with the server's message
 * for a name it would reject, so a bad topic is reported where it is written, not by the first stream.
 *
 * <p>Immutable value; thread-safe.
 */
public final class TopicStart {
  private static final long LIVE = -1;

  private final String topic;
  private final long afterOffset; // LIVE, 0 (oldest) or N
  private final String epoch;

  private TopicStart(String topic, long afterOffset, String epoch) {
    this.topic = TopicNames.check(Objects.requireNonNull(topic, "topic: null (expected: a topic name)"));
    this.afterOffset = afterOffset;
    this.epoch = Objects.requireNonNull(epoch, "epoch: null (expected: an epoch, or \"\" when unknown)");
  }

  /** Only events published after the subscription is registered. */
  public static TopicStart live(String topic) {
    return new TopicStart(topic, LIVE, "");
  }

  /** Every retained event, then live ones. */
  public static TopicStart oldest(String topic) {
    return new TopicStart(topic, 0, "");
  }

  /**
   * The events after {@code offset} of {@code epoch}: a resume. If the topic's epoch is no longer
   * {@code epoch}, or history rolled back, the server starts at its oldest retained event and the
   * subscription reports a reset.
   *
   * @param offset the last offset already processed; {@code >= 0}
   * @param epoch the epoch of that offset, or {@code ""} when unknown
   */
  public static TopicStart after(String topic, long offset, String epoch) {
    if (offset < 0) {
      throw new IllegalArgumentException("offset: " + offset + " (expected: >= 0)");
    }
    return new TopicStart(topic, offset, epoch);
  }

  /** The topic. */
  public String topic() {
    return topic;
  }

  /** Whether this is a live start. */
  public boolean isLive() {
    return afterOffset == LIVE;
  }

  /** The offset after which delivery starts: 0 for {@link #oldest}; -1 for {@link #live}. */
  public long afterOffset() {
    return afterOffset;
  }

  /** The epoch of {@link #afterOffset()}; {@code ""} when unknown. */
  public String epoch() {
    return epoch;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TopicStart other && topic.equals(other.topic) && afterOffset == other.afterOffset
        && epoch.equals(other.epoch);
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, afterOffset, epoch);
  }

  @Override
  public String toString() {
    return isLive() ? "live(" + topic + ")" : "after(" + topic + ", " + afterOffset + ", '" + epoch + "')";
  }
}
