package io.streamkit.server.broker;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default {@link Broker}: topics in this process's memory, each with a bounded history (at most
 * {@link Builder#historyMaxEvents(int)} events, none older than {@link Builder#historyMaxAge(Duration)}).
 *
 * <p>Publishing takes only its topic's lock, so topics never contend with each other. Delivery runs on each
 * subscriber's {@link EventSink#executor()} (the server's: its connection's event loop), one task per executor and
 * publish, or on the publishing thread for sinks that name none, and on the subscriber's transport thread when it
 * becomes ready again; a subscriber that is not ready is skipped at the cost of one check, so it cannot slow the
 * others. A topic with no subscriber and no retained event is freed; when it is used again it starts a new history
 * (new epoch, offset 1).
 *
 * <p>History does not survive the process: after a restart every topic has a new epoch, which subscribers
 * resuming with their last epoch see as a reset.
 *
 * <p>Thread-safe. Created with {@link #builder()}; {@link #close()} stops its retention timer.
 */
public final class InMemoryBroker implements Broker {
  private final ConcurrentHashMap<String, TopicLog> topics = new ConcurrentHashMap<>();
  private final int historyMaxEvents;
  private final Duration historyMaxAge;
  private final long maxSubscriberLag;
  private final Clock clock;
  private final String instance = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
  private final AtomicLong epochs = new AtomicLong();
  private final ScheduledExecutorService sweeper;

  private InMemoryBroker(Builder b) {
    this.historyMaxEvents = b.limits.historyMaxEvents();
    this.historyMaxAge = b.limits.historyMaxAge();
    this.maxSubscriberLag = b.limits.maxSubscriberLag();
    this.clock = b.clock;
    this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "streamkit-broker-retention");
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(100, Math.min(1000, historyMaxAge.toMillis() / 4));
    sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers) {
    String problem = Topics.problem(topic);
    if (problem != null) {
      return CompletableFuture.failedFuture(Status.INVALID_ARGUMENT.withDescription(problem).asException());
    }
    Instant now = clock.instant();
    for (; ; ) {
      TopicLog log = topics.computeIfAbsent(topic, this::newLog);
      TopicEvent event;
      synchronized (log) {
        if (log.removed) {
          continue;
        }
        event = log.appendLocked(payload, headers, now);
      }
      for (LoopDelivery lane : log.lanes.values()) {
        lane.signal();
      }
      for (Cursor cursor : log.direct) {
        cursor.signal();
      }
      return CompletableFuture.completedFuture(new Published(topic, event.offset(), log.epoch));
    }
  }

  @Override
  public BrokerSubscription subscribe(String topic, Position position, EventSink sink) {
    Topics.check(topic);
    for (; ; ) {
      TopicLog log = topics.computeIfAbsent(topic, this::newLog);
      Cursor cursor;
      synchronized (log) {
        if (log.removed) {
          continue;
        }
        Executor executor = sink.executor();
        Set<Cursor> group =
            executor == null ? log.direct : log.lanes.computeIfAbsent(executor, LoopDelivery::new).cursors;
        cursor = new Cursor(log, start(log, position), sink, maxSubscriberLag, group);
        log.cursors.add(cursor);
        group.add(cursor);
      }
      cursor.signal();
      return cursor;
    }
  }

  /** The first offset to deliver for {@code position}; see {@link Position} for the rules. */
  private static long start(TopicLog log, Position position) {
    long last = log.last();
    if (position.isLive()) {
      return last + 1;
    }
    boolean otherEpoch = !position.epoch().isEmpty() && !position.epoch().equals(log.epoch);
    if (otherEpoch || position.afterOffset() > last) {
      return log.oldest(); // continuity lost: everything retained of the current epoch
    }
    return Math.max(position.afterOffset() + 1, log.oldest());
  }

  /** The topic's epoch and last offset, or null if the topic holds no history now. For tests and metrics. */
  public Published head(String topic) {
    TopicLog log = topics.get(topic);
    return log == null ? null : new Published(topic, log.last(), log.epoch);
  }

  /** Subscriptions registered on {@code topic} now. For tests and metrics. */
  public int subscriberCount(String topic) {
    TopicLog log = topics.get(topic);
    return log == null ? 0 : log.cursors.size();
  }

  /**
   * The most events any subscriber of {@code topic} is behind its last offset now, counted as for
   * {@link Builder#maxSubscriberLag(long)}; 0 when the topic has no subscriber. For metrics.
   */
  public long maxLag(String topic) {
    TopicLog log = topics.get(topic);
    if (log == null) {
      return 0;
    }
    long last = log.last();
    long max = 0;
    for (Cursor cursor : log.cursors) {
      max = Math.max(max, cursor.lag(last));
    }
    return max;
  }

  /** Topics currently held (with history or subscribers). */
  public int topicCount() {
    return topics.size();
  }

  private TopicLog newLog(String name) {
    return new TopicLog(name, instance + "-" + epochs.incrementAndGet(), historyMaxEvents);
  }

  private void sweep() {
    Instant cutoff = clock.instant().minus(historyMaxAge);
    for (String name : topics.keySet()) {
      topics.computeIfPresent(name, (k, log) -> {
        synchronized (log) {
          long left = log.evictBefore(cutoff);
          if (left == 0 && log.cursors.isEmpty()) {
            log.removed = true;
            return null;
          }
          return log;
        }
      });
    }
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
  }

  /** Configures an {@link InMemoryBroker}. Thread-compatible; setters validate at once. */
  public static final class Builder {
    private TopicLimits limits = TopicLimits.DEFAULTS;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** All three per-topic limits at once; see {@link TopicLimits}. Default {@link TopicLimits#DEFAULTS}. */
    public Builder limits(TopicLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits: null (expected: a TopicLimits)");
      return this;
    }

    /** Events retained per topic for replay. Default 10,000. */
    public Builder historyMaxEvents(int events) {
      limits = limits.withHistoryMaxEvents(events);
      return this;
    }

    /** Oldest event age retained. Default 1 hour. */
    public Builder historyMaxAge(Duration age) {
      limits = limits.withHistoryMaxAge(age);
      return this;
    }

    /**
     * How many events published since it subscribed a subscriber may be behind before it is ended with
     * RESOURCE_EXHAUSTED. Default 10,000 (a burst of publishes within one event-loop turn
     * must not end a healthy subscriber; a slow one costs only its position, not a copy of the events).
     */
    public Builder maxSubscriberLag(long events) {
      limits = limits.withMaxSubscriberLag(events);
      return this;
    }

    /** For tests. Default the system UTC clock. */
    public Builder clock(Clock clock) {
      if (clock == null) {
        throw new IllegalArgumentException("clock: null (expected: a Clock)");
      }
      this.clock = clock;
      return this;
    }

    public InMemoryBroker build() {
      return new InMemoryBroker(this);
    }
  }
}
