package io.streamkit.server.internal.metrics;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.server.broker.Topics;
import io.streamkit.server.internal.broker.ForwardingBroker;
import io.streamkit.server.internal.broker.ObservedSubscription;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Counts what goes through a {@link Broker} per topic, whoever calls it (the Publish and Subscribe RPCs,
 * handlers' publish and attach, the embedding application), and times each event from its publish to its write
 * on a subscriber stream. Every other behaviour is the delegate's. Thread-safe.
 *
 * <p>Cost per delivered event: two counter increments, with no lookup (each subscription holds its topic's
 * meters) and no allocation. The latency is sampled: the first event of each subscription and every
 * {@value #LATENCY_SAMPLE_EVERY}th after it, because reading the clock and recording into a histogram costs several
 * times the counting, and a systematic sample keeps the distribution.
 */
final class MeteredBroker extends ForwardingBroker {
  /** A power of two: one delivery in this many per subscription is timed. */
  static final int LATENCY_SAMPLE_EVERY = 16;

  private final TopicMetersTable topics;
  private final Timer publishToDeliver;
  private final Counter endedSlow;

  MeteredBroker(Broker delegate, TopicMetersTable topics, Timer publishToDeliver, Counter endedSlow) {
    super(delegate);
    this.topics = topics;
    this.publishToDeliver = publishToDeliver;
    this.endedSlow = endedSlow;
  }

  @Override
  public CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers) {
    CompletableFuture<Published> stored = super.publish(topic, payload, headers);
    if (stored.isDone()) {
      // The in-memory broker stores before it returns: count without allocating a completion stage.
      if (!stored.isCompletedExceptionally()) {
        topics.forPublish(topic).published(payload.size());
      }
    } else {
      stored.thenRun(() -> topics.forPublish(topic).published(payload.size()));
    }
    return stored;
  }

  @Override
  public BrokerSubscription subscribe(String topic, Position position, EventSink sink) {
    Topics.check(topic); // as the delegate would: no meters for a name that is rejected
    return new MeteredSubscription(sink, topics.subscribe(topic)).subscribeThrough(delegate(), topic, position);
  }

  /** One subscription: counts its deliveries, samples their latency, and counts an end for falling behind. */
  private final class MeteredSubscription extends ObservedSubscription {
    private final TopicMeters meters;
    /** Deliveries so far; sink callbacks of one subscription are serialized, so a plain field will do. */
    private int deliveries;

    MeteredSubscription(EventSink sink, TopicMeters meters) {
      super(sink);
      this.meters = meters;
    }

    @Override
    protected void delivered(TopicEvent event) {
      meters.delivered(event);
      if ((deliveries++ & (LATENCY_SAMPLE_EVERY - 1)) == 0) {
        publishToDeliver.record(event.ageNanos(), TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void onEnd(Status status) {
      if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
        endedSlow.increment(); // the EventSink contract: RESOURCE_EXHAUSTED means the subscriber fell too far behind
      }
      super.onEnd(status);
    }

    @Override
    protected void released() {
      topics.unsubscribe(meters);
    }
  }
}
