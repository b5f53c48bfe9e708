package io.streamkit.client;

/**
 * A discontinuity in a topic, reported once before the event that follows it: a gap (offsets that retention
 * dropped, {@link #isReset()} false) or a reset (a new epoch, for example after a restart of a server whose broker
 * keeps history in memory; {@link #isReset()} true). A blocking {@link Subscription} hands it to the
 * {@link SubscribeOptions.Builder#onDiscontinuity consumer} of its options (by default it logs it) and goes on
 * with that event; with {@link SubscribeOptions.Builder#stopOnDiscontinuity()} it throws it from {@code next()} and
 * {@code hasNext()} instead, and the next call continues with that event. Not a {@link StreamKitException}: nothing
 * failed, and the subscription stays open.
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
        + "; delivery continues with that event");
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
