package io.streamkit.server.internal.broker;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.TopicEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * One topic's retained history (at most {@code maxEvents} events, contiguous offsets, one epoch at a time) and the
 * subscriptions reading it. The in-memory broker owns one per topic and appends with {@link #publish}; a Redis
 * broker instance keeps one per mirrored topic and fills it with {@link #append} and {@link #reset} from what its
 * reader reads in Redis.
 *
 * <p>Concurrency: the monitor guards the ring, the oldest offset and epoch changes for writers (publish, append,
 * reset, trim, retire); each is a short critical section with no callback inside. Readers (every cursor, on the
 * publisher's thread and on each event loop) take no lock on their path: {@link #last()} is a volatile copy of the
 * ring's last offset written after the event's slot, so a reader that sees offset N there also sees N's slot, and
 * {@link #read(long)} looks at the slot without the lock, taking the monitor only when the slot does not hold that
 * offset (retention dropped it, wrap-around replaced it, or a grown ring is not seen yet). Each epoch is one
 * String instance, carried by its events: a cursor compares the event's epoch with its own by reference, and only
 * when they differ (a new epoch, or a slot read through a race with {@link #reset}) asks under the monitor.
 *
 * <p>Lifecycle: {@link #retireIfUnused} retires a history that has no subscription (and, if asked, no event);
 * {@link #publish} and {@link #subscribe} then return null and the owner looks the topic up again.
 */
public final class TopicHistory {
  private final String topic;
  private final EventRing ring;
  /** Every registered cursor; for counting, lag and ending them all. */
  final Set<Cursor> cursors = ConcurrentHashMap.newKeySet();
  /** The cursors whose sinks name an executor, grouped by it: a few per topic (one per event loop). */
  private final ConcurrentHashMap<Executor, LoopDelivery> lanes = new ConcurrentHashMap<>();
  /** The cursors whose sinks name none: signalled on the writer's thread. */
  private final Set<Cursor> direct = ConcurrentHashMap.newKeySet();
  private volatile String epoch;
  /** {@code ring.last()} for readers without the monitor; written under it, after the ring. */
  private volatile long last;
  private boolean retired;

  /**
   * An empty history of {@code epoch} whose next event is offset 1.
   *
   * @param epoch the epoch, or "" while not known (a mirror that has not read Redis yet)
   */
  public TopicHistory(String topic, String epoch, int maxEvents) {
    this.topic = topic;
    this.epoch = epoch;
    this.ring = new EventRing(maxEvents);
  }

  public String topic() {
    return topic;
  }

  /** The current epoch ("" while a mirror knows none). No lock. */
  public String epoch() {
    return epoch;
  }

  /** The newest offset stored; goes back only when {@link #reset} begins another epoch. No lock. */
  public long last() {
    return last;
  }

  /** The oldest offset retained; above {@link #last()} when nothing is. */
  public synchronized long oldest() {
    return ring.oldest();
  }

  /**
   * The event at {@code offset}, or null when it is not retained (also for an offset above {@link #last()}). No
   * lock unless the ring's slot does not hold it.
   */
  public TopicEvent read(long offset) {
    TopicEvent event = ring.peek(offset);
    if (event != null) {
      return event;
    }
    synchronized (this) {
      return ring.get(offset);
    }
  }

  /**
   * Stores a new event at the next offset of the current epoch and signals the subscriptions; returns it, or
   * null when the history is retired.
   */
  public TopicEvent publish(ByteString payload, Map<String, String> headers, Instant now) {
    TopicEvent event;
    synchronized (this) {
      if (retired) {
        return null;
      }
      event = TopicEvent.of(topic, ring.last() + 1, epoch, payload, headers, now);
      ring.add(event);
      last = event.offset(); // publishes the slot to lock-free readers (volatile write after the ring's writes)
    }
    signal();
    return event;
  }

  /**
   * Stores an event that already has its offset, of the current epoch, without signalling (a mirror appends what
   * one read brought, then {@link #signal()}s once). An offset already held is ignored; a jump forward (events
   * dropped elsewhere) first drops what is held, so cursors behind see the gap.
   */
  public synchronized void append(TopicEvent event) {
    if (event.offset() > ring.last()) {
      ring.add(event);
      last = event.offset();
    }
  }

  /**
   * Begins another epoch: nothing held, the next event expected at {@code lastOffset + 1}. Cursors of the former
   * epoch start over at the oldest event of this one (their subscribers see a reset). The caller signals.
   */
  public synchronized void reset(String newEpoch, long lastOffset) {
    epoch = newEpoch;
    ring.clear(lastOffset);
    last = lastOffset;
  }

  /**
   * Drops the events below {@code keepFrom} and, from the oldest on, those published before {@code cutoff};
   * returns how many remain. Cursors behind see the gap.
   */
  public synchronized long trim(long keepFrom, Instant cutoff) {
    return ring.trim(keepFrom, cutoff);
  }

  /**
   * Registers a subscription starting at {@code position} (the rule: {@link #firstOffset}) and delivers what is
   * already there; returns null when the history is retired.
   *
   * @param maxLag events the subscriber may fall behind the events published since it subscribed
   */
  public Cursor subscribe(Position position, EventSink sink, long maxLag) {
    Cursor cursor;
    synchronized (this) {
      if (retired) {
        return null;
      }
      Executor executor = sink.executor();
      Set<Cursor> group = executor == null ? direct : lanes.computeIfAbsent(executor, LoopDelivery::new).cursors;
      long start = firstOffset(position, epoch, ring.oldest(), ring.last());
      cursor = new Cursor(this, sink, maxLag, group, epoch, start, ring.last());
      cursors.add(cursor);
      group.add(cursor);
    }
    cursor.signal();
    return cursor;
  }

  /**
   * The first offset a subscription from {@code position} is given, in a history of {@code epoch} holding
   * {@code oldest..last}; the rule {@link Position} documents. Live: the next event. After N of this epoch (or of
   * an unknown one) with N at most {@code last}: N + 1, or the oldest retained when N + 1 is gone (a gap). Another
   * epoch, or N above {@code last} (the history rolled back): continuity is lost, so everything retained.
   */
  static long firstOffset(Position position, String epoch, long oldest, long last) {
    if (position.isLive()) {
      return last + 1;
    }
    boolean otherEpoch = !position.epoch().isEmpty() && !position.epoch().equals(epoch);
    if (otherEpoch || position.afterOffset() > last) {
      return oldest;
    }
    return Math.max(position.afterOffset() + 1, oldest);
  }

  /** Wakes every subscription: those on an executor by one task per executor, the others on this thread. */
  public void signal() {
    for (LoopDelivery lane : lanes.values()) {
      lane.signal();
    }
    for (Cursor cursor : direct) {
      cursor.signal();
    }
  }

  /**
   * Retires the history when no subscription is registered and, with {@code onlyWhenEmpty}, no event is retained;
   * says whether it did. The owner then forgets it.
   */
  public synchronized boolean retireIfUnused(boolean onlyWhenEmpty) {
    if (cursors.isEmpty() && (!onlyWhenEmpty || ring.oldest() > ring.last())) {
      retired = true;
    }
    return retired;
  }

  /** Subscriptions registered now. */
  public int subscriberCount() {
    return cursors.size();
  }

  /** The most events any subscription is behind {@link #last()} now, counted as for the lag limit; 0 if none. */
  public long maxLag() {
    long at = last;
    long max = 0;
    for (Cursor cursor : cursors) {
      max = Math.max(max, cursor.lag(at));
    }
    return max;
  }

  /** Ends every subscription with {@code status} (the broker is closing). */
  public void endAll(Status status) {
    for (Cursor cursor : List.copyOf(cursors)) {
      cursor.end(status);
    }
  }

  void removed(Cursor cursor, Set<Cursor> group) {
    group.remove(cursor);
    cursors.remove(cursor);
  }

  /** The epoch and oldest offset, read together under the monitor: where a cursor starts over. */
  synchronized long oldestOf(String expectedEpoch) {
    return epoch == expectedEpoch ? ring.oldest() : -1;
  }

  @Override
  public String toString() {
    return "TopicHistory{" + topic + "@" + epoch + ":" + last + "}";
  }
}
