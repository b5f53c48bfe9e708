package io.streamkit.client;

/**
 * Hears every change of a client's {@link ConnectionState}. Set with
 * {@link StreamKitClient.Builder#connectionListener(ConnectionListener)}, so that no change is missed.
 *
 * <p>Threading: callbacks are serialized, in the order of the changes, on the client's callback executor. A
 * callback may call any client method, but should not block for long: it delays the callbacks of streams and
 * subscriptions that share the executor. The last callback is {@link ConnectionState#CLOSED}.
 */
@FunctionalInterface
public interface ConnectionListener {

  /** The connection is now in {@code state} (a different one from the state reported before). */
  void onStateChange(ConnectionState state);
}
