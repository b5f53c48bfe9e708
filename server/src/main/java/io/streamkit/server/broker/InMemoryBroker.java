package io.streamkit.server.broker;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.server.internal.broker.Cursor;
import io.streamkit.server.internal.broker.TopicHistory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
  private final ConcurrentHashMap<String, TopicHistory> topics = new ConcurrentHashMap<>();
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
      TopicEvent event = topics.computeIfAbsent(topic, this::newHistory).publish(payload, headers, now);
      if (event != null) { // else the sweeper retired the topic meanwhile: a new history begins
        return CompletableFuture.completedFuture(new Published(topic, event.offset(), event.epoch()));
      }
    }
  }

  @Override
  public BrokerSubscription subscribe(String topic, Position position, EventSink sink) {
    Topics.check(topic);
    for (; ; ) {
      Cursor cursor = topics.computeIfAbsent(topic, this::newHistory).subscribe(position, sink, maxSubscriberLag);
      if (cursor != null) {
        return cursor;
      }
    }
  }

  /** The topic's epoch and last offset, or null if the topic holds no history now. For tests and metrics. */
  public Published head(String topic) {
    TopicHistory history = topics.get(topic);
    return history == null ? null : new Published(topic, history.last(), history.epoch());
  }

  /** Subscriptions registered on {@code topic} now. For tests and metrics. */
  public int subscriberCount(String topic) {
    TopicHistory history = topics.get(topic);
    return history == null ? 0 : history.subscriberCount();
  }

  /**
   * The most events any subscriber of {@code topic} is behind its last offset now, counted as for
   * {@link Builder#maxSubscriberLag(long)}; 0 when the topic has no subscriber. For metrics.
   */
  public long maxLag(String topic) {
    TopicHistory history = topics.get(topic);
    return history == null ? 0 : history.maxLag();
  }

  /** Topics currently held (with history or subscribers). */
  public int topicCount() {
    return topics.size();
  }

  private TopicHistory newHistory(String name) {
    return new TopicHistory(name, instance + "-" + epochs.incrementAndGet(), historyMaxEvents);
  }

  private void sweep() {
    Instant cutoff = clock.instant().minus(historyMaxAge);
    for (String name : topics.keySet()) {
      topics.computeIfPresent(name, (k, history) -> {
        history.trim(Long.MIN_VALUE, cutoff);
        return history.retireIfUnused(true) ? null : history;
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
