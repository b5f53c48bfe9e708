package io.streamkit.server.broker;

import io.grpc.Status;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One subscription of the in-memory broker: a position in a {@link TopicLog} and the sink it delivers to. It
 * holds no events: a subscriber that is not ready costs nothing but its position, and the same event objects
 * (and encoded bytes) go to every subscriber.
 *
 * <p>Concurrency: {@link #signal()} may be called from any thread (publishers, the sink's onReady); the
 * {@code wip} counter makes exactly one thread drain at a time, and a signal that arrives while another thread
 * drains makes that thread drain once more, so no event is left behind.
 *
 * <p>Overflow: a subscriber more than {@code maxLag} events behind the events published since it subscribed is
 * ended with RESOURCE_EXHAUSTED, naming the offset to resume after.
 */
final class Cursor implements BrokerSubscription {
  private final TopicLog log;
  private final EventSink sink;
  private final long maxLag;
  private final long lastAtStart;
  /** The group the publisher signals this cursor through: its lane's cursors, or the topic's direct ones. */
  private final Set<Cursor> group;
  private final AtomicInteger wip = new AtomicInteger();
  private volatile boolean cancelled;
  /**
   * The next offset to deliver. Only the draining thread writes it (opaque, so that {@link #lag(long)} may read
   * it from a metrics thread without a lock and without tearing).
   */
  private long next;
  private static final VarHandle NEXT;

  static {
    try {
      NEXT = MethodHandles.lookup().findVarHandle(Cursor.class, "next", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  Cursor(TopicLog log, long start, EventSink sink, long maxLag, Set<Cursor> group) {
    this.group = group;
    this.log = log;
    this.next = start;
    this.sink = sink;
    this.maxLag = maxLag;
    this.lastAtStart = log.last();
  }

  @Override
  public void resume() {
    signal();
  }

  @Override
  public void cancel() {
    cancelled = true;
    group.remove(this);
    log.cursors.remove(this);
  }

  void signal() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    for (; ; ) {
      if (!cancelled) {
        drain();
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  /**
   * How many events this subscriber is behind {@code last}, counted as for the lag limit (events published
   * since it subscribed that it has not been given). May be called from any thread; approximate while it drains.
   */
  long lag(long last) {
    long delivered = (long) NEXT.getOpaque(this) - 1;
    return Math.max(0, last - Math.max(delivered, lastAtStart));
  }

  private void drain() {
    while (!cancelled) {
      long last = log.last();
      if (next > last) {
        return; // caught up
      }
      long lag = last - Math.max(next - 1, lastAtStart);
      if (lag > maxLag) {
        cancel();
        sink.onEnd(tooSlow(log.name, log.epoch, next - 1, lag, maxLag));
        return;
      }
      TopicEvent event = log.read(next); // lock-free unless evicted or overwritten
      if (event == null) {
        long oldest = log.oldest();
        if (next < oldest) {
          NEXT.setOpaque(this, oldest); // retention dropped these: the subscriber sees the gap in the offsets
          continue;
        }
        return;
      }
      if (!sink.offer(event)) {
        return; // not ready: resume() brings us back
      }
      NEXT.setOpaque(this, next + 1);
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
