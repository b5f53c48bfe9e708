package io.streamkit.server.broker;

import java.time.Duration;
import java.util.Objects;

/**
 * What a broker retains per topic and how far behind a subscriber may fall, with the same meaning for every
 * broker: at most {@code historyMaxEvents} events, none older than {@code historyMaxAge}, kept for replay; a
 * subscriber more than {@code maxSubscriberLag} events behind the events published since it subscribed is ended
 * with RESOURCE_EXHAUSTED, naming the offset to resume after.
 *
 * <p>Immutable and thread-safe. The constructor checks every field and throws IllegalArgumentException
 * (NullPointerException for a null age) naming the field, the value and what was expected.
 *
 * @param historyMaxEvents events retained per topic; at least 1
 * @param historyMaxAge age past which retained events are dropped; at least 1 ms
 * @param maxSubscriberLag events a subscriber may be behind; at least 1
 */
public record TopicLimits(int historyMaxEvents, Duration historyMaxAge, long maxSubscriberLag) {
  /**
   * 10,000 events, 1 hour, 10,000 events behind: a burst of publishes within one event-loop turn must not end a
   * healthy subscriber, and a slow one costs only its position, not a copy of the events.
   */
  public static final TopicLimits DEFAULTS = new TopicLimits(10_000, Duration.ofHours(1), 10_000);

  public TopicLimits {
    if (historyMaxEvents <= 0) {
      throw new IllegalArgumentException("historyMaxEvents: " + historyMaxEvents + " (expected: > 0)");
    }
    Objects.requireNonNull(historyMaxAge, "historyMaxAge: null (expected: a duration of at least 1 ms)");
    if (historyMaxAge.toMillis() <= 0) {
      throw new IllegalArgumentException(
          "historyMaxAge: " + historyMaxAge + " (expected: a duration of at least 1 ms)");
    }
    if (maxSubscriberLag <= 0) {
      throw new IllegalArgumentException("maxSubscriberLag: " + maxSubscriberLag + " (expected: > 0)");
    }
  }

  /** A copy with another {@code historyMaxEvents}. */
  public TopicLimits withHistoryMaxEvents(int events) {
    return new TopicLimits(events, historyMaxAge, maxSubscriberLag);
  }

  /** A copy with another {@code historyMaxAge}. */
  public TopicLimits withHistoryMaxAge(Duration age) {
    return new TopicLimits(historyMaxEvents, age, maxSubscriberLag);
  }

  /** A copy with another {@code maxSubscriberLag}. */
  public TopicLimits withMaxSubscriberLag(long events) {
    return new TopicLimits(historyMaxEvents, historyMaxAge, events);
  }
}
