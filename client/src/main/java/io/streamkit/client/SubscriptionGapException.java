package io.streamkit.client;

/**
 * A discontinuity in a topic, thrown once by the blocking {@link Subscription} before the event that
 * follows it: a gap (offsets retention dropped, {@link #isReset()} false) or a reset (a new epoch,
 * {@link #isReset()} true). The subscription stays open: the next {@code next()} or {@code hasNext()}
 * continues with that event. Not a {@link StreamKitException}: nothing failed.
 *
 * <p>Immutable.
 */
public final class SubscriptionGapException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String topic;
  private final boolean reset;
  private final long expectedOffset;
  private final long actualOffset;
  private final String oldEpoch;
  private final String newEpoch;

  /** A gap ({@code reset} false) or reset in {@code topic}. */
  public SubscriptionGapException(String topic, boolean reset, long expectedOffset, long actualOffset,
      String oldEpoch, String newEpoch) {
    super((reset ? "reset on topic '" + topic + "': epoch '" + oldEpoch + "' -> '" + newEpoch + "'"
        : "gap on topic '" + topic + "'") + ": expected offset " + expectedOffset + ", got " + actualOffset
        + "; the next call continues with that event");
    this.topic = topic;
    this.reset = reset;
    this.expectedOffset = expectedOffset;
    this.actualOffset = actualOffset;
    this.oldEpoch = oldEpoch;
    this.newEpoch = newEpoch;
  }

  /** The topic. */
  public String topic() {
    return topic;
  }

  /** Whether this is a reset (new epoch) rather than a gap. */
  public boolean isReset() {
    return reset;
  }

  /** The offset that would have been contiguous: last delivered + 1. */
  public long expectedOffset() {
    return expectedOffset;
  }

  /** The offset of the event that follows. */
  public long actualOffset() {
    return actualOffset;
  }

  /** The epoch of the last event delivered on the topic. */
  public String oldEpoch() {
    return oldEpoch;
  }

  /** The epoch of the event that follows. */
  public String newEpoch() {
    return newEpoch;
  }
}
