package io.streamkit.server.broker.redis;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The highest offset this instance has seen per topic and epoch (its own publishes and what its reader read).
 * Scripts compare it with Redis's counter: a lower counter in the same epoch means Redis came back from an older
 * snapshot, and a new epoch begins instead of reusing offsets that subscribers already hold.
 *
 * <p>Thread-safe. Bounded: past {@link #MAX_TOPICS} topics it starts over, losing only the ability to detect a
 * rollback of topics this instance has not touched since (see docs/REDIS.md).
 */
final class KnownOffsets {
  static final int MAX_TOPICS = 100_000;

  record Known(String epoch, long last) {
    static final Known NONE = new Known("", 0);
  }

  private final ConcurrentHashMap<String, Known> byTopic = new ConcurrentHashMap<>();

  Known get(String topic) {
    return byTopic.getOrDefault(topic, Known.NONE);
  }

  void saw(String topic, String epoch, long offset) {
    if (epoch.isEmpty()) {
      return;
    }
    if (byTopic.size() >= MAX_TOPICS && !byTopic.containsKey(topic)) {
      byTopic.clear();
    }
    byTopic.merge(topic, new Known(epoch, offset),
        (old, now) -> old.epoch().equals(now.epoch()) && old.last() >= now.last() ? old : now);
  }
}
