package io.streamkit.server.broker;

/**
 * One subscription to one topic, returned by {@link Broker#subscribe}. Thread-safe. The subscriber cancels it
 * when its stream ends; a subscription that is never cancelled keeps its (small) cursor registered.
 */
public interface BrokerSubscription {

  /** The sink became ready again: deliver what it missed while it was not. May be called from any thread. */
  void resume();

  /** Stops delivery and releases the subscription. Idempotent. */
  void cancel();
}
