package io.streamkit.client;

/**
 * Where a resuming subscription is in its life ({@link Subscription#state()}, {@link SubscriptionHandle#state()},
 * {@link SubscriptionListener#onStateChange}); the words are those of {@code docs/SERVER-PUSH.md}.
 *
 * <pre>
 * CONNECTING --(server registered it)--&gt; LIVE --(retryable failure)--&gt; RESUMING --(registered again)--&gt; LIVE
 *      \                                   \                                 \
 *       +-----------------------------------+---------------------------------+--&gt; ENDED
 * </pre>
 */
public enum SubscriptionState {
  /** Its first Subscribe stream is open but the server has not registered it yet. */
  CONNECTING,
  /**
   * The server registered the subscription on the current stream: retained events, then new ones, arrive as
   * they are published.
   */
  LIVE,
  /**
   * The stream failed with a retryable status (the connection was lost, the server restarted or is shutting down,
   * the subscriber was too slow, the broker is unavailable): the subscription waits for its
   * {@link ReconnectPolicy}'s delay and for a connection, then subscribes again after the last event handed to
   * the application. Events received before the failure are still handed out meanwhile.
   */
  RESUMING,
  /**
   * Over: the server ended it with OK, or with a status that is not retried, the reconnect attempts ran out, or
   * the application closed it. Terminal.
   */
  ENDED
}
