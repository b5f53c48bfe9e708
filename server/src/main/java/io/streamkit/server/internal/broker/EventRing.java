package io.streamkit.server.internal.broker;

import io.streamkit.server.broker.TopicEvent;
import java.time.Instant;
import java.util.Arrays;

/**
 * A topic's retained events, indexed by offset: at most {@code maxEvents} contiguous offsets from {@link #oldest()}
 * to {@link #last()}, stored in a ring that grows on demand up to that bound (an idle topic costs 16 slots, not
 * {@code maxEvents}). The storage of a {@link TopicHistory}.
 *
 * <p>Thread-compatible: the owner guards it with its own lock, and calls no callback while holding it. The one
 * exception is {@link #peek}, which readers call without the lock.
 */
final class EventRing {
  private final int maxEvents;
  private TopicEvent[] ring = new TopicEvent[16];
  /** Offset of the oldest retained event; greater than {@code last} when nothing is retained. */
  private long oldest = 1;
  private long last;

  /** An empty ring whose next event is offset 1. */
  EventRing(int maxEvents) {
    if (maxEvents <= 0) {
      throw new IllegalArgumentException("maxEvents: " + maxEvents + " (expected: > 0)");
    }
    this.maxEvents = maxEvents;
    if (ring.length > maxEvents) {
      ring = new TopicEvent[maxEvents];
    }
  }

  /** The newest offset stored, or the one before the next when nothing is retained (0 at first). */
  long last() {
    return last;
  }

  /** The oldest offset retained; greater than {@link #last()} when nothing is. */
  long oldest() {
    return oldest;
  }

  /** The event at {@code offset}, or null when it is not retained. */
  TopicEvent get(long offset) {
    return offset < oldest || offset > last ? null : ring[index(offset)];
  }

  /**
   * The event at {@code offset} if this thread finds it in the ring without the owner's lock, else null: a racy
   * read that is only ever right or null. A slot holds either nothing, the event of that offset, or one of
   * another offset that replaced it (wrap-around) or that it replaced, so an event is returned only when its own
   * offset says it is the one asked for. {@link TopicEvent} is immutable (final fields), so an event seen through
   * a race is seen whole. A caller that gets null and needs a definite answer asks {@link #get} under the lock.
   */
  TopicEvent peek(long offset) {
    TopicEvent[] slots = ring; // one read: grow() may replace the array; a stale one holds only older events
    TopicEvent event = slots[(int) (offset % slots.length)];
    return event != null && event.offset() == offset ? event : null;
  }

  /**
   * Stores {@code event}, whose offset must be above {@link #last()}. The oldest event makes room when the ring is
   * full; an offset past {@code last + 1} (events dropped elsewhere) first drops everything held, so a reader
   * behind sees the gap in the offsets.
   */
  void add(TopicEvent event) {
    long offset = event.offset();
    if (offset <= last) {
      throw new IllegalArgumentException("offset: " + offset + " (expected: above the last, " + last + ")");
    }
    if (offset > last + 1) {
      clear(offset - 1);
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

  /** Drops every event; the next one expected is {@code lastOffset + 1}. */
  void clear(long lastOffset) {
    Arrays.fill(ring, null);
    oldest = lastOffset + 1;
    last = lastOffset;
  }

  /**
   * Drops the events below {@code keepFrom} and, from the oldest on, those published before {@code cutoff}
   * (events are in publish order, so it stops at the first younger one). Returns how many remain.
   */
  long trim(long keepFrom, Instant cutoff) {
    while (oldest <= last) {
      var at = ring[index(oldest)].event().getPublishedAt();
      if (oldest >= keepFrom && Instant.ofEpochSecond(at.getSeconds(), at.getNanos()).isAfter(cutoff)) {
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
