package io.streamkit.server.broker.redis;

import io.streamkit.server.broker.TopicEvent;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This instance's copy of one topic's retained history in Redis, filled only by the {@link TopicReader}, read by
 * every local subscriber's {@link MirrorCursor}: one Redis round trip serves them all, and each event is decoded
 * and encoded once per instance.
 *
 * <p>Concurrency: the monitor guards the ring, the offsets and the epoch; each method is a short critical section
 * with no callback inside. Only the reader thread writes. A cursor that finds the epoch changed starts over at
 * the oldest event of the new history.
 */
final class Mirror {
  final String topic;
  final Set<MirrorCursor> cursors = ConcurrentHashMap.newKeySet();
  private final int maxEvents;
  private TopicEvent[] ring = new TopicEvent[16];
  /** The history mirrored; empty when the topic has none yet. */
  private String epoch = "";
  /** Offset of the oldest event held; greater than {@code last} when none is held. */
  private long oldest = 1;
  private long last;
  /** Reader thread only: whether the history was loaded from Redis, and whether it must be loaded again. */
  boolean loaded;
  boolean stale;

  Mirror(String topic, int maxEvents) {
    this.topic = topic;
    this.maxEvents = maxEvents;
    if (ring.length > maxEvents) {
      ring = new TopicEvent[maxEvents];
    }
  }

  /** Begins another history: nothing held, the next event expected at {@code lastOffset + 1}. */
  synchronized void reset(String epoch, long lastOffset) {
    java.util.Arrays.fill(ring, null);
    this.epoch = epoch;
    this.oldest = lastOffset + 1;
    this.last = lastOffset;
  }

  /**
   * Adds the next event of the mirrored epoch. An offset already held is ignored; a jump forward (Redis trimmed
   * the events between) drops what is held, so cursors behind see the gap.
   */
  synchronized void append(TopicEvent event) {
    long offset = event.offset();
    if (offset <= last) {
      return;
    }
    if (offset > last + 1) {
      java.util.Arrays.fill(ring, null);
      oldest = offset;
      last = offset - 1;
    }
    long retained = last - oldest + 1;
    if (retained >= maxEvents) {
      ring[index(oldest)] = null;
      oldest++;
    } else if (retained >= ring.length) {
      grow();
    }
    ring[index(offset)] = event;
    last = offset;
  }

  synchronized TopicEvent read(long offset) {
    return offset < oldest || offset > last ? null : ring[index(offset)];
  }

  synchronized String epoch() {
    return epoch;
  }

  synchronized long last() {
    return last;
  }

  synchronized long oldest() {
    return oldest;
  }

  /** Drops events older than Redis's oldest retained one, or published before {@code cutoff}. */
  synchronized void trim(long redisOldest, Instant cutoff) {
    while (oldest <= last) {
      TopicEvent e = ring[index(oldest)];
      var at = e.event().getPublishedAt();
      if (oldest >= redisOldest && Instant.ofEpochSecond(at.getSeconds(), at.getNanos()).isAfter(cutoff)) {
        break;
      }
      ring[index(oldest)] = null;
      oldest++;
    }
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
