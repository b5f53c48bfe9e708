package io.streamkit.client;

import io.streamkit.api.v1.Event;

/**
 * Receives the events of a callback subscription opened with
 * {@link StreamKitClient#subscribe(java.util.List, SubscriptionListener)}.
 *
 * <p>Threading: callbacks for one subscription are serialized, on the client's callback executor; a
 * discontinuity callback always comes right before the event it concerns. The next events are requested
 * from the server as callbacks return (bounded prefetch), so a slow listener slows delivery down.
 *
 * <p>Lifecycle: ends with exactly one {@link #onError} or {@link #onCompleted()}. Reconnects are not
 * reported as errors. Every method but {@link #onEvent} does nothing by default.
 */
public interface SubscriptionListener {

  /** One event, delivered exactly once. */
  void onEvent(Event event);

  /** Offsets {@code expectedOffset .. actualOffset-1} of {@code topic} will never be seen (retention). */
  default void onGap(String topic, long expectedOffset, long actualOffset) {}

  /** {@code topic}'s history changed from {@code oldEpoch} to {@code newEpoch}; offsets restart. */
  default void onReset(String topic, String oldEpoch, String newEpoch) {}

  /** The subscription ended with an error it does not retry, or ran out of attempts. Terminal. */
  default void onError(StreamKitException error) {}

  /** The server ended the subscription with OK. Terminal. */
  default void onCompleted() {}
}
