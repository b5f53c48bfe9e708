package io.streamkit.server.broker;

import com.google.protobuf.ByteString;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One topic of the in-memory broker: its retained history as a ring indexed by offset, and its cursors.
 *
 * <p>Concurrency: the monitor guards the ring and the offsets; appends and reads are short critical sections
 * with no callback inside. Cursors read by offset, so delivery order never depends on which thread delivers.
 * {@code removed} is set under the monitor when the broker frees the topic; a publisher or subscriber that
 * finds it set looks the topic up again.
 */
final class TopicLog {
  final String name;
  final String epoch;
  final Set<Cursor> cursors = ConcurrentHashMap.newKeySet();
  private final EventRing ring;
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
    return event;
  }

  synchronized TopicEvent read(long offset) {
    return ring.get(offset);
  }

  synchronized long last() {
    return ring.last();
  }

  synchronized long oldest() {
    return ring.oldest();
  }

  /** Drops events published before {@code cutoff}; returns how many remain. */
  synchronized long evictBefore(Instant cutoff) {
    return ring.trim(Long.MIN_VALUE, cutoff);
  }
}
