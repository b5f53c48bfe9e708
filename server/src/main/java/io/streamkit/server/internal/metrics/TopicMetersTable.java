package io.streamkit.server.internal.metrics;

import io.micrometer.core.instrument.Meter;
import io.streamkit.server.broker.InMemoryBroker;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The meters of every topic in use, bounded: topics are named by clients, so at most {@link #MAX_TOPICS} topics
 * get meters of their own and the others share the topic label {@value #OTHER}. A topic's meters are removed
 * when it has no subscription left and is no longer in use: with the in-memory broker, once the broker freed the
 * topic (its next use starts a new epoch, and its counters start again at 0, which Prometheus reads as a reset);
 * with another broker, once no publish or subscribe touched it between two sweeps. Sweeps run at each scrape
 * and when the table is full.
 *
 * <p>Thread-safe. Lookups on the publish path read a ConcurrentHashMap; creation, subscription counts and
 * eviction take this table's monitor, so a topic with a subscription is never evicted. A publish racing with the
 * eviction of its idle topic may count into the removed counters: the event is then missing from the metrics,
 * never from the topic.
 */
final class TopicMetersTable {
  static final int MAX_TOPICS = 1_000;
  static final String OTHER = "_other";

  private final Meters meters;
  /** Null unless the broker is the in-memory one, which can tell a freed topic and its subscribers' lag. */
  private final InMemoryBroker inMemory;
  private final ConcurrentHashMap<String, TopicMeters> byTopic = new ConcurrentHashMap<>();
  private TopicMeters other;

  TopicMetersTable(Meters meters, InMemoryBroker inMemory) {
    this.meters = meters;
    this.inMemory = inMemory;
  }

  /** The topic's meters for counting a publish; creates them on the topic's first use. */
  TopicMeters forPublish(String topic) {
    TopicMeters m = byTopic.get(topic);
    return m != null ? m : create(topic);
  }

  /** The topic's meters for a new subscription, which holds them until {@link #unsubscribe}. */
  synchronized TopicMeters subscribe(String topic) {
    TopicMeters m = byTopic.get(topic);
    if (m == null) {
      m = create(topic);
    }
    m.subscribers++;
    m.active = true;
    return m;
  }

  synchronized void unsubscribe(TopicMeters m) {
    m.subscribers--;
  }

  private synchronized TopicMeters create(String topic) {
    TopicMeters m = byTopic.get(topic);
    if (m != null) {
      return m;
    }
    if (byTopic.size() >= MAX_TOPICS) {
      sweep();
      if (byTopic.size() >= MAX_TOPICS) {
        if (other == null) {
          other = new TopicMeters(OTHER, meters, null);
        }
        return other;
      }
    }
    m = new TopicMeters(topic, meters, inMemory);
    byTopic.put(topic, m);
    return m;
  }

  /** Removes the meters of topics no longer in use. */
  synchronized void sweep() {
    for (Iterator<TopicMeters> it = byTopic.values().iterator(); it.hasNext(); ) {
      TopicMeters m = it.next();
      if (m.subscribers > 0) {
        continue;
      }
      boolean inUse = inMemory != null ? inMemory.head(m.topic) != null : m.active;
      m.active = false;
      if (!inUse) {
        it.remove();
        for (Meter meter : m.meters()) {
          meters.remove(meter);
        }
      }
    }
  }

  synchronized int size() {
    return byTopic.size();
  }
}
