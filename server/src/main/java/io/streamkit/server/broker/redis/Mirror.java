package io.streamkit.server.broker.redis;

import io.streamkit.server.broker.EventRing;
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
  private final EventRing ring;
  /** The history mirrored; empty when the topic has none yet. */
  private String epoch = "";
  /** Reader thread only: whether the history was loaded from Redis, and whether it must be loaded again. */
  boolean loaded;
  boolean stale;

  Mirror(String topic, int maxEvents) {
    this.topic = topic;
    this.ring = new EventRing(maxEvents);
  }

  /** Begins another history: nothing held, the next event expected at {@code lastOffset + 1}. */
  synchronized void reset(String epoch, long lastOffset) {
    this.epoch = epoch;
    ring.clear(lastOffset);
  }

  /**
   * Adds the next event of the mirrored epoch. An offset already held is ignored; a jump forward (Redis trimmed
   * the events between) drops what is held, so cursors behind see the gap.
   */
  synchronized void append(TopicEvent event) {
    if (event.offset() > ring.last()) {
      ring.add(event);
    }
  }

  synchronized TopicEvent read(long offset) {
    return ring.get(offset);
  }

  synchronized String epoch() {
    return epoch;
  }

  synchronized long last() {
    return ring.last();
  }

  synchronized long oldest() {
    return ring.oldest();
  }

  /** Drops events older than Redis's oldest retained one, or published before {@code cutoff}. */
  synchronized void trim(long redisOldest, Instant cutoff) {
    ring.trim(redisOldest, cutoff);
  }
}
