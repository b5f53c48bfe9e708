package io.streamkit.server.internal.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.server.broker.TopicEvent;
import java.util.List;

/**
 * One topic's meters: events and bytes published and delivered, subscriptions open now and, with the in-memory
 * broker, the lag of its slowest subscriber. Created by {@link TopicMetersTable}, which also removes them.
 *
 * <p>Thread-safe: counters are Micrometer's; {@code subscribers} is guarded by the table's monitor and only read
 * elsewhere.
 */
final class TopicMeters {
  final String topic;
  private final Counter published;
  private final Counter publishedBytes;
  private final Counter delivered;
  private final Counter deliveredBytes;
  private final Gauge subscriberGauge;
  private final Gauge lagGauge;

  /**
   * Subscriptions holding these meters; written under the table's monitor, read by the gauge at scrape. A topic
   * with subscribers is never evicted.
   */
  volatile int subscribers;
  /** Set by a publish or subscribe, cleared by each sweep: lets the sweep evict topics idle since the last. */
  volatile boolean active = true;

  TopicMeters(String topic, Meters meters, InMemoryBroker lagSource) {
    this.topic = topic;
    Tags tags = Tags.of("topic", topic);
    published = meters.counter("streamkit.topic.published.events",
        "Events stored by the broker, per topic (Publish RPC, handlers and the embedding application)", null, tags);
    publishedBytes = meters.counter("streamkit.topic.published",
        "Payload bytes of the events stored, per topic", "bytes", tags);
    delivered = meters.counter("streamkit.topic.delivered.events",
        "Events written to subscriber streams (Subscribe and attached Chat streams), per topic", null, tags);
    deliveredBytes = meters.counter("streamkit.topic.delivered",
        "Encoded event bytes written to subscriber streams, per topic", "bytes", tags);
    subscriberGauge = meters.gauge("streamkit.topic.subscribers", "Subscriptions open now, per topic", tags, this,
        m -> m.subscribers);
    lagGauge = lagSource == null
        ? null
        : meters.gauge("streamkit.subscriber.lag.max",
            "Events the slowest subscriber of the topic is behind its last offset, sampled at scrape", tags,
            lagSource, broker -> broker.maxLag(topic));
  }

  void published(int payloadBytes) {
    published.increment();
    publishedBytes.increment(payloadBytes);
    if (!active) {
      active = true;
    }
  }

  void delivered(TopicEvent event) {
    delivered.increment();
    deliveredBytes.increment(event.wire().length);
  }

  List<Meter> meters() {
    return lagGauge == null
        ? List.of(published, publishedBytes, delivered, deliveredBytes, subscriberGauge)
        : List.of(published, publishedBytes, delivered, deliveredBytes, subscriberGauge, lagGauge);
  }
}
