package io.streamkit.server.broker;

import com.google.protobuf.ByteString;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * One topic of the in-memory broker: its retained history as a ring indexed by offset, and its cursors.
 *
 * <p>Concurrency: the monitor guards the ring and the offsets for writers (append, retention, removal); appends
 * are short critical sections with no callback inside. Readers (every subscriber's cursor, on the publisher's
 * thread and on each event loop) take no lock on their path: {@link #last()} is a volatile copy of the ring's
 * last offset, written after the event's slot, so a reader that sees offset N there also sees N's slot; and
 * {@link #read(long)} first looks at the slot without the lock, taking the monitor only when the slot does not
 * hold that offset (evicted, overwritten, or a grown ring not seen yet). Why: the monitor was taken three times per
 * delivery, by the publisher's thread and by every event loop resuming its subscribers. Cursors read by
 * offset, so delivery order never depends on which thread delivers. {@code removed} is set under the monitor
 * when the broker frees the topic; a publisher or subscriber that finds it set looks the topic up again.
 */
final class TopicLog {
  final String name;
  final String epoch;
  final Set<Cursor> cursors = ConcurrentHashMap.newKeySet();
  /** The cursors whose sinks name an executor, grouped by it; a few per topic (one per event loop). */
  final ConcurrentHashMap<Executor, LoopDelivery> lanes = new ConcurrentHashMap<>();
  /** The cursors whose sinks name none: signalled on the publisher's thread. */
  final Set<Cursor> direct = ConcurrentHashMap.newKeySet();
  private final EventRing ring;
  /** {@code ring.last()} for readers without the monitor; written under it, after the ring. */
  private volatile long last;
  boolean removed;

  TopicLog(String name, String epoch, int maxEvents) {
    this.name = name;
    this.epoch = epoch;
    this.ring = new EventRing(maxEvents);
  }

  /** Stores the next event. Caller holds the monitor and has checked {@code removed}. */
  TopicEvent appendLocked(ByteString payload, Map<String, String> headers, Instant now) {
    TopicEvent event = TopicEvent.of(name, ring.last() + 1, epoch, payload, headers, now);
    ring.add(event);
    last = event.offset(); // publishes the slot to lock-free readers (volatile write after the ring's writes)
    return event;
  }

  /**
   * The event at {@code offset}, or null when it is not retained (call with an offset at or below {@link #last()};
   * above it, null too). No lock unless the ring's slot does not hold it.
   */
  TopicEvent read(long offset) {
    TopicEvent event = ring.peek(offset);
    if (event != null) {
      return event;
    }
    synchronized (this) {
      return ring.get(offset);
    }
  }

  /** The newest offset published; never goes back. No lock. */
  long last() {
    return last;
  }

  synchronized long oldest() {
    return ring.oldest();
  }

  /** Drops events published before {@code cutoff}; returns how many remain. */
  synchronized long evictBefore(Instant cutoff) {
    return ring.trim(Long.MIN_VALUE, cutoff);
  }
}
