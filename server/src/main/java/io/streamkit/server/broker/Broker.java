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
 *       store.</li>
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

  /** Releases the broker's resources. Idempotent. The default does nothing. */
  @Override
  default void close() {}
}
