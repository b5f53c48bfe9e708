package io.streamkit.client;

import io.streamkit.api.v1.Event;

/**
 * Receives the events of a callback subscription opened with
 * {@link StreamKitClient#subscribe(java.util.List, SubscriptionListener)}.
 *
 * <p>Threading: callbacks for one subscription are serialized, on the client's callback executor; a
 * discontinuity callback always comes right before the event it concerns. The next events are requested from the
 * server as callbacks return (bounded prefetch), so a slow listener slows delivery down. A callback may block on
 * a reply of the same client ({@code client.call(...).get()}): replies complete on the client's reply thread, not
 * on the callback executor. Every other callback of the subscriptions and streams that share the executor waits
 * meanwhile, so keep such waits short.
 *
 * <p>Lifecycle: ends with exactly one {@link #onError} or {@link #onCompleted()}. Resuming is not an error: it is
 * a {@link #onStateChange} to RESUMING, then to LIVE once the server registered the subscription again. Every
 * method but {@link #onEvent} does nothing by default; methods added later will too.
 */
public interface SubscriptionListener {

  /** One event, delivered exactly once. */
  void onEvent(Event event);

  /** Offsets {@code expectedOffset .. actualOffset-1} of {@code topic} will never be seen (retention). */
  default void onGap(String topic, long expectedOffset, long actualOffset) {}

  /** {@code topic}'s history changed from {@code oldEpoch} to {@code newEpoch}; offsets restart. */
  default void onReset(String topic, String oldEpoch, String newEpoch) {}

  /**
   * The subscription moved to {@code state}. {@code cause} is the failure being retried for RESUMING, the failure
   * that ended it for ENDED (null when it ended with OK), and null for LIVE. ENDED is followed by
   * {@link #onError} or {@link #onCompleted()}.
   */
  default void onStateChange(SubscriptionState state, StreamKitException cause) {}

  /**
   * The subscription ended with an error it does not retry, ran out of attempts, or was cancelled
   * (CANCELLED). Terminal.
   */
  default void onError(StreamKitException error) {}

  /** The server ended the subscription with OK. Terminal. */
  default void onCompleted() {}
}
