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
  private final int maxEvents;

  private TopicEvent[] ring = new TopicEvent[16];
  /** Offset of the oldest retained event; greater than {@code last} when nothing is retained. */
  private long oldest = 1;
  private long last;
  boolean removed;

  TopicLog(String name, String epoch, int maxEvents) {
    this.name = name;
    this.epoch = epoch;
    this.maxEvents = maxEvents;
    if (ring.length > maxEvents) {
      ring = new TopicEvent[maxEvents];
    }
  }

  /** Stores the next event. Caller holds the monitor and has checked {@code removed}. */
  TopicEvent appendLocked(ByteString payload, Map<String, String> headers, Instant now) {
    long offset = last + 1;
    TopicEvent event = TopicEvent.of(name, offset, epoch, payload, headers, now);
    long retained = last - oldest + 1;
    if (retained >= maxEvents) {
      ring[index(oldest)] = null;
      oldest++;
    } else if (retained >= ring.length) {
      grow();
    }
    ring[index(offset)] = event;
    last = offset;
    return event;
  }

  synchronized TopicEvent read(long offset) {
    return offset < oldest || offset > last ? null : ring[index(offset)];
  }

  synchronized long last() {
    return last;
  }

  synchronized long oldest() {
    return oldest;
  }

  /** Drops events published before {@code cutoff}; returns how many remain. */
  synchronized long evictBefore(Instant cutoff) {
    while (oldest <= last) {
      TopicEvent e = ring[index(oldest)];
      var at = e.event().getPublishedAt();
      if (Instant.ofEpochSecond(at.getSeconds(), at.getNanos()).isAfter(cutoff)) {
        break;
      }
      ring[index(oldest)] = null;
      oldest++;
    }
    return last - oldest + 1;
  }

  private int index(long offset) {
    return (int) (offset % ring.length);
  }

  private void grow() {
    TopicEvent[] bigger = new TopicEvent[(int) Math.min((long) ring.length * 2, maxEvents)];
    for (long o = oldest; o <= last; o++) {
      bigger[(int) (o % bigger.length)] = ring[index(o)];
    }
    ring = bigger;
  }
}
