package io.streamkit.client;

/**
 * The state of a {@link StreamKitClient}'s connection to its server, as a {@link ConnectionListener} hears it and
 * {@link StreamKitClient#connectionState()} reports it. It is gRPC's channel state under names that say what a
 * program sees in each.
 *
 * <p>Typical sequences: {@code IDLE -> CONNECTING -> READY} on first use; after the server went away with a
 * subscription open, {@code READY -> IDLE -> CONNECTING -> RECONNECTING -> ... -> READY} (the connection broke, the
 * subscription's next attempt connected and failed, a later one succeeded); {@code -> CLOSED} when the client
 * closes.
 */
public enum ConnectionState {
  /**
   * No connection and none being made: before the first stream or call, and after a connection ended (the server
   * went away, or closed an idle or old connection) until something needs one. The next stream, call or
   * subscription attempt connects.
   */
  IDLE,
  /** A connection is being made; streams and calls started now wait for its outcome. */
  CONNECTING,
  /** Connected: streams and calls go to the server. */
  READY,
  /**
   * The last connection attempt failed (e.g. connection refused): new streams and calls fail at once with
   * UNAVAILABLE naming the cause, subscriptions wait in {@link SubscriptionState#RESUMING}, and the client tries
   * again on its {@link ReconnectPolicy}'s schedule (not gRPC's own, which backs off to 2 minutes) until a
   * connection is READY.
   */
  RECONNECTING,
  /** The client was closed. Terminal. */
  CLOSED
}
