package io.streamkit.server.broker;

import io.grpc.Status;
import java.util.concurrent.Executor;

/**
 * Where a broker delivers one subscription's events: implemented by the server for each subscriber stream.
 *
 * <p>Callbacks for one subscription are serialized. The broker calls {@link #onEvent} only after
 * {@link #isReady()} returned true (or through {@link #offer}), in offset order; when the sink stops being ready,
 * the broker keeps the subscription's position (no copy of the events) until {@link BrokerSubscription#resume()}.
 * None of these methods may block.
 */
public interface EventSink {

  /** Whether the subscriber's transport can take another event now. */
  boolean isReady();

  /** Delivers the next event. */
  void onEvent(TopicEvent event);

  /**
   * Delivers {@code event} if the sink is ready now and says whether it did: {@link #isReady()} then
   * {@link #onEvent}, which is what this default does. A sink whose check and send share a lock overrides it to
   * take that lock once per event instead of twice. The broker calls either this or the two methods.
   */
  default boolean offer(TopicEvent event) {
    if (!isReady()) {
      return false;
    }
    onEvent(event);
    return true;
  }

  /**
   * The executor this sink's sends cost least from, or null (this default) for none. The server returns the
   * subscriber connection's event loop, where a send is a plain enqueue and the sends of one task share a flush.
   * A broker may then deliver from that executor, one task for all of a publish's subscribers on it (the in-memory
   * broker does); the other callbacks' rules are unchanged. It should be one of a few long-lived executors, shared
   * by many sinks, and may reject tasks only when shutting down (the broker then delivers from its own thread).
   */
  default Executor executor() {
    return null;
  }

  /**
   * The broker ended the subscription: RESOURCE_EXHAUSTED when the subscriber fell too far behind, UNAVAILABLE
   * when the broker cannot serve it. No callback follows.
   */
  void onEnd(Status status);
}
