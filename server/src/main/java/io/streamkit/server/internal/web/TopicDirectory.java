package io.streamkit.server.internal.web;

import com.google.protobuf.ByteString;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.server.broker.Topics;
import io.streamkit.server.internal.broker.ForwardingBroker;
import io.streamkit.server.internal.broker.ObservedSubscription;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the web console shows about topics, for any broker: a {@link Broker} wrapper that notes, per topic this server
 * has seen (published through it, or delivered to one of its subscribers), the epoch and last offset, and its open
 * subscriptions here; and counts events published and delivered. A topic published only on another instance of a
 * shared broker (Redis) appears once someone subscribes to it here. Every other behaviour is the delegate's.
 *
 * <p>Bounded: at most {@value #MAX_TOPICS} topics are tracked; when full, topics without a subscription are dropped
 * to make room, and a topic that finds no room is served but not shown.
 *
 * <p>Thread-safe. Cost per delivered event: one striped counter increment and one volatile read (a write when the
 * offset is new to this server).
 */
public final class TopicDirectory extends ForwardingBroker {
  static final int MAX_TOPICS = 1_000;

  private final ConcurrentHashMap<String, Entry> topics = new ConcurrentHashMap<>();
  private final LongAdder published = new LongAdder();
  private final LongAdder delivered = new LongAdder();

  /** One topic as this server saw it. */
  static final class Entry {
    final String topic;
    volatile String epoch = "";
    volatile long lastOffset;
    final AtomicInteger subscribers = new AtomicInteger();

    Entry(String topic) {
      this.topic = topic;
    }

    void saw(String epoch, long offset) {
      if (offset > lastOffset || !epoch.equals(this.epoch)) {
        synchronized (this) {
          if (!epoch.equals(this.epoch)) {
            this.epoch = epoch;
            this.lastOffset = offset;
          } else if (offset > lastOffset) {
            this.lastOffset = offset;
          }
        }
      }
    }
  }

  public TopicDirectory(Broker delegate) {
    super(delegate);
  }

  @Override
  public CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers) {
    CompletableFuture<Published> stored = super.publish(topic, payload, headers);
    stored.thenAccept(p -> {
      published.increment();
      Entry e = entry(p.topic());
      if (e != null) {
        e.saw(p.epoch(), p.offset());
      }
    });
    return stored;
  }

  @Override
  public BrokerSubscription subscribe(String topic, Position position, EventSink sink) {
    Topics.check(topic); // as the delegate would: nothing noted for a name that is rejected
    Entry entry = entry(topic);
    return new Watched(sink, entry).subscribeThrough(delegate(), topic, position);
  }

  private Entry entry(String topic) {
    Entry e = topics.get(topic);
    if (e != null) {
      return e;
    }
    if (topics.size() >= MAX_TOPICS) {
      for (Iterator<Entry> it = topics.values().iterator(); it.hasNext() && topics.size() >= MAX_TOPICS * 9 / 10; ) {
        if (it.next().subscribers.get() == 0) {
          it.remove();
        }
      }
      if (topics.size() >= MAX_TOPICS) {
        return null;
      }
    }
    return topics.computeIfAbsent(topic, Entry::new);
  }

  /** The console's status: the topics (sorted by name) and the counters, as JSON. */
  String json() {
    List<Entry> sorted = new ArrayList<>(topics.values());
    sorted.sort(Comparator.comparing(e -> e.topic));
    Json json = new Json().begin()
        .field("published", published.sum())
        .field("delivered", delivered.sum())
        .field("limit", MAX_TOPICS)
        .key("topics").beginArray();
    for (Entry e : sorted) {
      json.begin().field("topic", e.topic).field("epoch", e.epoch).field("lastOffset", Long.toString(e.lastOffset))
          .field("subscribers", e.subscribers.get()).end();
    }
    return json.endArray().end().toString();
  }

  /** One subscription: counts its deliveries and notes the last position of its topic. */
  private final class Watched extends ObservedSubscription {
    private final Entry entry; // null when the directory is full

    Watched(EventSink sink, Entry entry) {
      super(sink);
      this.entry = entry;
      if (entry != null) {
        entry.subscribers.incrementAndGet();
      }
    }

    @Override
    protected void delivered(TopicEvent event) {
      delivered.increment();
      if (entry != null) {
        entry.saw(event.epoch(), event.offset());
      }
    }

    @Override
    protected void released() {
      if (entry != null) {
        entry.subscribers.decrementAndGet();
      }
    }
  }
}
