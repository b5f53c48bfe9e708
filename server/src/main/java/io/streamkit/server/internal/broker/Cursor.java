package io.streamkit.server.internal.broker;

import io.grpc.Status;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.TopicEvent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One subscription: a position in a {@link TopicHistory} and the sink it delivers to. It holds no events: a
 * subscriber that is not ready costs nothing but its position, and the same event objects (and encoded bytes) go
 * to every subscriber. Created by {@link TopicHistory#subscribe}.
 *
 * <p>Concurrency: {@link #signal()} may be called from any thread (writers, the sink's executor, the sink's
 * onReady through {@link #resume()}); the {@code wip} counter makes exactly one thread drain at a time, and a
 * signal that arrives while another thread drains makes that thread drain once more, so no event is left behind.
 * The fields below {@code wip} are the draining thread's; the counter's atomic updates hand them from one
 * draining thread to the next.
 *
 * <p>Overflow: a subscriber more than {@code maxLag} events behind the events published since it subscribed is
 * ended with RESOURCE_EXHAUSTED and reason SUBSCRIBER_TOO_SLOW, naming the offset to resume after.
 *
 * <p>Gaps and resets: offsets that retention dropped before delivery are skipped (the subscriber sees the jump).
 * When the history begins another epoch, the cursor starts over at that epoch's oldest retained event (the
 * subscriber sees the new epoch on it: a reset).
 */
public final class Cursor implements BrokerSubscription {
  private static final VarHandle NEXT;
  private static final VarHandle CANCELLED;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      NEXT = lookup.findVarHandle(Cursor.class, "next", long.class);
      CANCELLED = lookup.findVarHandle(Cursor.class, "cancelled", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final TopicHistory history;
  private final EventSink sink;
  private final long maxLag;
  /** The group the writer signals this cursor through: its lane's cursors, or the history's direct ones. */
  private final Set<Cursor> group;
  private final AtomicInteger wip = new AtomicInteger();
  private volatile boolean cancelled;
  /** The epoch this cursor reads: the same String instance as the history's and its events'. */
  private String epoch;
  /** The next offset to deliver; written opaque so that {@link #lag} may read it from any thread. */
  private long next;
  /** The history's last offset when the subscription began (or started over): lag counts from there. */
  private long lastAtStart;

  Cursor(TopicHistory history, EventSink sink, long maxLag, Set<Cursor> group, String epoch, long start,
      long lastAtStart) {
    this.history = history;
    this.sink = sink;
    this.maxLag = maxLag;
    this.group = group;
    this.epoch = epoch;
    this.next = start;
    this.lastAtStart = lastAtStart;
  }

  @Override
  public void resume() {
    signal();
  }

  @Override
  public void cancel() {
    CANCELLED.setVolatile(this, true);
    history.removed(this, group);
  }

  /** Ends the subscription from the broker's side: the sink's onEnd, once, unless it was cancelled before. */
  public void end(Status status) {
    if (CANCELLED.compareAndSet(this, false, true)) {
      history.removed(this, group);
      sink.onEnd(status);
    }
  }

  public boolean isCancelled() {
    return cancelled;
  }

  /** Delivers what the sink is ready for; from any thread. */
  public void signal() {
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
   * How many events this subscriber is behind {@code last}, counted as for the lag limit (events published since
   * it subscribed that it has not been given). May be called from any thread; approximate while it drains.
   */
  long lag(long last) {
    long delivered = (long) NEXT.getOpaque(this) - 1;
    return Math.max(0, last - Math.max(delivered, lastAtStart));
  }

  private void drain() {
    while (!cancelled) {
      if (history.epoch() != epoch) {
        startOver();
        continue;
      }
      long last = history.last();
      if (next > last) {
        return; // caught up
      }
      long lag = last - Math.max(next - 1, lastAtStart);
      if (lag > maxLag) {
        end(tooSlow(history.topic(), epoch, next - 1, lag, maxLag));
        return;
      }
      TopicEvent event = history.read(next); // lock-free unless dropped or overwritten
      if (event == null || event.epoch() != epoch) {
        long oldest = history.oldestOf(epoch);
        if (oldest < 0) {
          startOver(); // another epoch began
        } else if (next < oldest) {
          NEXT.setOpaque(this, oldest); // retention dropped these: the subscriber sees the gap in the offsets
        } else if (event == null) {
          return;
        } // else: a slot read through a race with a reset; read it again
        continue;
      }
      if (!sink.offer(event)) {
        return; // not ready: resume() brings us back
      }
      NEXT.setOpaque(this, next + 1);
    }
  }

  /** A new epoch: everything it retains, counted as published after this subscription began. */
  private void startOver() {
    for (; ; ) {
      String current = history.epoch();
      long oldest = history.oldestOf(current);
      if (oldest >= 0) {
        epoch = current;
        lastAtStart = oldest - 1;
        NEXT.setOpaque(this, oldest);
        return;
      }
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
