package io.streamkit.server.broker;

import io.grpc.Status;
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
  private final AtomicInteger wip = new AtomicInteger();
  private volatile boolean cancelled;
  /** The next offset to deliver. Only the draining thread touches it. */
  private long next;

  Cursor(TopicLog log, long start, EventSink sink, long maxLag) {
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

  private void drain() {
    while (!cancelled) {
      long last = log.last();
      if (next > last) {
        return; // caught up
      }
      long lag = last - Math.max(next - 1, lastAtStart);
      if (lag > maxLag) {
        cancel();
        sink.onEnd(Status.RESOURCE_EXHAUSTED.withDescription(
            "subscriber too slow: " + lag + " events behind on topic '" + log.name + "' (limit "
                + maxLag + "); resume after offset " + (next - 1) + " of epoch " + log.epoch));
        return;
      }
      if (!sink.isReady()) {
        return; // resume() brings us back
      }
      TopicEvent event = log.read(next);
      if (event == null) {
        long oldest = log.oldest();
        if (next < oldest) {
          next = oldest; // retention dropped these: the subscriber sees the gap in the offsets
          continue;
        }
        return;
      }
      sink.onEvent(event);
      next++;
    }
  }
}
