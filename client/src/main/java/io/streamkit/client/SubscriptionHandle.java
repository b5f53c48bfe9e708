package io.streamkit.client;

/**
 * Controls a callback subscription. Thread-safe; may be called from any thread, including a
 * {@link SubscriptionListener} callback; never blocks. Closing the {@link StreamKitClient} cancels it too.
 */
public interface SubscriptionHandle {

  /** Cancels the subscription; the listener gets {@code onError} with CANCELLED. Idempotent. */
  void cancel();

  /**
   * Where to resume {@code topic}: after the last event delivered, or its original start if none was.
   *
   * @throws IllegalArgumentException if {@code topic} is not one of this subscription's
   */
  TopicStart position(String topic);

  /** Where the subscription is now: CONNECTING, LIVE, RESUMING or ENDED. */
  SubscriptionState state();
}
