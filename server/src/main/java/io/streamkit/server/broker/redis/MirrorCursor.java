package io.streamkit.server.broker.redis;

import io.grpc.Status;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.TopicEvent;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One subscription of the Redis broker: a position in a topic's {@link Mirror} and the sink it delivers to. Like
 * the in-memory broker's cursor it holds no events, only its position.
 *
 * <p>Lifecycle: created pending by {@link RedisBroker#subscribe}; the reader thread resolves its {@link Position}
 * against the mirror once the mirror holds Redis's current history, then registers it ({@link #start}). Until then
 * it delivers nothing.
 *
 * <p>Concurrency: {@link #signal()} may be called from any thread (the reader, the sink's onReady); the {@code wip}
 * counter makes exactly one thread drain at a time, and a signal during a drain makes that thread drain again.
 *
 * <p>Overflow: a subscriber more than {@code maxLag} events behind the events published since it subscribed is
 * ended with RESOURCE_EXHAUSTED, naming the offset to resume after.
 */
final class MirrorCursor implements BrokerSubscription {
  final String topic;
  final Position position;
  private final EventSink sink;
  private final long maxLag;
  private final AtomicInteger wip = new AtomicInteger();
  private volatile Mirror mirror;
  private volatile boolean cancelled;
  /** Only the draining thread touches these three (start() publishes them before the first drain). */
  private String epoch;
  private long next;
  private long lastAtStart;

  MirrorCursor(String topic, Position position, EventSink sink, long maxLag) {
    this.topic = topic;
    this.position = position;
    this.sink = sink;
    this.maxLag = maxLag;
  }

  /** Reader thread: registers the cursor at {@code start} of the mirror's current epoch and drains. */
  void start(Mirror mirror, String epoch, long start) {
    this.epoch = epoch;
    this.next = start;
    this.lastAtStart = Math.max(start - 1, mirror.last());
    mirror.cursors.add(this);
    this.mirror = mirror; // volatile write: publishes the fields above to the next draining thread
    if (cancelled) {
      mirror.cursors.remove(this);
      return;
    }
    signal();
  }

  boolean cancelled() {
    return cancelled;
  }

  @Override
  public void resume() {
    signal();
  }

  @Override
  public void cancel() {
    cancelled = true;
    Mirror m = mirror;
    if (m != null) {
      m.cursors.remove(this);
    }
  }

  void signal() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    for (; ; ) {
      Mirror m = mirror;
      if (!cancelled && m != null) {
        drain(m);
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  /** Ends the subscription from the broker's side (no further callback). */
  void end(Status status) {
    if (!cancelled) {
      cancel();
      sink.onEnd(status);
    }
  }

  private void drain(Mirror m) {
    while (!cancelled) {
      String current = m.epoch();
      if (!current.equals(epoch)) {
        // A new history (Redis lost or rolled back the old one): start at its oldest event. The subscriber sees
        // the new epoch on the next event and reports a reset.
        epoch = current;
        next = m.oldest();
        lastAtStart = next - 1;
        continue;
      }
      long last = m.last();
      if (next > last) {
        return; // caught up
      }
      long lag = last - Math.max(next - 1, lastAtStart);
      if (lag > maxLag) {
        end(tooSlow(topic, epoch, next - 1, lag, maxLag));
        return;
      }
      if (!sink.isReady()) {
        return; // resume() brings us back
      }
      TopicEvent event = m.read(next);
      if (event == null || !event.epoch().equals(epoch)) {
        long oldest = m.oldest();
        if (next < oldest && m.epoch().equals(epoch)) {
          next = oldest; // retention dropped these: the subscriber sees the gap in the offsets
          continue;
        }
        if (!m.epoch().equals(epoch)) {
          continue; // the history changed under us; start over at the top
        }
        return;
      }
      sink.onEvent(event);
      next++;
    }
  }

  /** RESOURCE_EXHAUSTED with reason SUBSCRIBER_TOO_SLOW and where to resume. */
  private static Status tooSlow(String topic, String epoch, long resumeAfter, long lag, long limit) {
    return ErrorDetails.withReason(Status.RESOURCE_EXHAUSTED.withDescription(
            "subscriber too slow: " + lag + " events behind on topic '" + topic + "' (limit " + limit
                + "); resume after offset " + resumeAfter + " of epoch " + epoch),
        ErrorReason.SUBSCRIBER_TOO_SLOW,
        Map.of("topic", topic, "epoch", epoch, "resume_after_offset", Long.toString(resumeAfter),
            "lag", Long.toString(lag), "limit", Long.toString(limit)));
  }
}
