package io.streamkit.server.broker;

import com.google.protobuf.ByteString;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Stores topic events and delivers them to subscribers: the server's fan-out engine. The default is
 * {@link InMemoryBroker}; other implementations (Redis, for several server instances) plug in through
 * {@code StreamKitServer.builder().broker(...)}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #publish} assigns the topic's next offset (1, 2, 3, ... without holes, per topic and epoch) and
 *       completes once the event is stored; it completes exceptionally with a {@link io.grpc.StatusException}
 *       (UNAVAILABLE, INVALID_ARGUMENT, ...) when it is not, and never acknowledges an event it did not
 *       store. It may complete later, on any thread (the Redis broker batches the publishes waiting for one
 *       topic into one round trip).</li>
 *   <li>Order: publishes of one topic are stored in the order of the calls (one that returned before another began
 *       comes first), whether or not the earlier ones have completed; and when one fails, the later publishes of
 *       that topic made before its failure was reported fail too, so none is stored after a failed one. The
 *       server's Publish stream relies on this to keep a stream's order per topic while several of its events are
 *       in flight.</li>
 *   <li>{@link #subscribe} delivers the retained history after the {@link Position}, then live events, in order,
 *       with no gap and no duplicate at the switch from history to live. Failures reach the sink's
 *       {@link EventSink#onEnd}; nothing is thrown into the caller's (transport) thread except
 *       IllegalArgumentException for an invalid topic name.</li>
 *   <li>Every event carries its topic's epoch; see the package documentation for the vocabulary.</li>
 * </ul>
 *
 * <p>Thread-safe. The server that a broker is given to does not close it; whoever created it does.
 */
public interface Broker extends AutoCloseable {

  /** Stores an event at the topic's next offset. */
  CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers);

  /** Starts delivering {@code topic}'s events from {@code position} to {@code sink}. */
  BrokerSubscription subscribe(String topic, Position position, EventSink sink);

  /**
   * Registers a listener told whether the broker can store and deliver events now; the server reports its health
   * service as NOT_SERVING while it cannot. The listener is called once at once with the current state, then on
   * every change, from any thread; it must not block. The default reports "available" once: a broker in this
   * process's memory never becomes unavailable.
   */
  default void watchAvailability(AvailabilityListener listener) {
    listener.onAvailability(true, "");
  }

  /** Told of a broker's availability; see {@link #watchAvailability}. */
  @FunctionalInterface
  interface AvailabilityListener {
    /**
     * @param available whether publish and subscribe can be served now
     * @param reason why not, when not available (e.g. "Redis at redis://10.0.0.5:6379 is unreachable: ..."); empty
     *     otherwise
     */
    void onAvailability(boolean available, String reason);
  }

  /** Releases the broker's resources. Idempotent. The default does nothing. */
  @Override
  default void close() {}
}
