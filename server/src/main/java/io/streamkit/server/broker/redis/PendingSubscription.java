package io.streamkit.server.broker.redis;

import io.grpc.Status;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.internal.broker.Cursor;

/**
 * A subscription of the Redis broker from {@link RedisBroker#subscribe} until the reader thread has resolved its
 * {@link Position} against Redis's current history and registered its {@link Cursor} in the topic's mirror; then
 * the handle that forwards to that cursor. Until then it delivers nothing.
 *
 * <p>Thread-safe: {@link #resume()} and {@link #cancel()} from any thread; {@link #started} and {@link #end} from
 * the reader thread (or the closing one).
 */
final class PendingSubscription implements BrokerSubscription {
  final String topic;
  final Position position;
  final EventSink sink;
  private volatile Cursor cursor;
  private volatile boolean cancelled;

  PendingSubscription(String topic, Position position, EventSink sink) {
    this.topic = topic;
    this.position = position;
    this.sink = sink;
  }

  /** Reader thread: the cursor is registered (and has delivered what was there). */
  void started(Cursor registered) {
    cursor = registered;
    if (cancelled) {
      registered.cancel(); // cancelled while being registered
    } else {
      registered.resume(); // a resume() that came while the cursor was being registered found none
    }
  }

  boolean cancelled() {
    return cancelled;
  }

  /** Ends a subscription that never started (the broker is closing). */
  void end(Status status) {
    if (!cancelled) {
      cancelled = true;
      sink.onEnd(status);
    }
  }

  @Override
  public void resume() {
    Cursor c = cursor;
    if (c != null) {
      c.resume();
    }
  }

  @Override
  public void cancel() {
    cancelled = true;
    Cursor c = cursor;
    if (c != null) {
      c.cancel();
    }
  }
}
