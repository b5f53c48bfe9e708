package io.streamkit.server.broker.redis;

import io.streamkit.server.internal.broker.TopicHistory;

/**
 * This instance's copy of one topic's retained history in Redis: a {@link TopicHistory} filled only by the
 * {@link TopicReader} and read by every local subscriber's cursor, so one Redis round trip serves them all and
 * each event is decoded and encoded once per instance. Reader thread only, apart from the history itself.
 */
final class Mirror {
  final TopicHistory history;
  /** Whether the history was loaded from Redis, and whether it must be loaded again (another epoch seen). */
  boolean loaded;
  boolean stale;

  Mirror(String topic, int maxEvents) {
    this.history = new TopicHistory(topic, "", maxEvents);
  }

  String topic() {
    return history.topic();
  }
}
