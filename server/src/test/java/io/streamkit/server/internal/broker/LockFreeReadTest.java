package io.streamkit.server.internal.broker;

import io.streamkit.testing.TestThreads;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.TopicEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Cursors take no lock on their path (TopicHistory.read and last): while a publisher appends, grows the ring
 * and wraps it around, a reader gets the event of the offset it asks for, or null once that offset is evicted,
 * never another offset's event; and subscribers drained from several threads at once still see every offset once,
 * in order, or a retention gap. The assertions hold in any interleaving, so the machine's speed only changes how
 * many interleavings are tried.
 */
class LockFreeReadTest {
  private static final ByteString PAYLOAD = ByteString.copyFromUtf8("x");

  @Test
  void aReaderWithoutTheLockGetsTheOffsetItAsksForOrNullWhenEvictedWhileTheRingGrowsAndWraps() throws Exception {
    TopicHistory log = new TopicHistory("t", "e", 64); // grows 16 -> 32 -> 64, then wraps
    int appends = 200_000;
    AtomicBoolean done = new AtomicBoolean();
    List<String> wrong = new CopyOnWriteArrayList<>();
    AtomicLong hits = new AtomicLong();
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      Thread reader = new Thread(() -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!done.get() && wrong.size() < 10) {
          long last = log.last();
          if (last == 0) {
            continue;
          }
          long offset = Math.max(1, last - random.nextInt(80)); // retained or just evicted
          TopicEvent event = log.read(offset);
          if (event == null) {
            if (log.oldest() <= offset) {
              wrong.add("offset " + offset + " is retained (oldest " + log.oldest() + ") but read null");
            }
          } else if (event.offset() != offset) {
            wrong.add("asked for " + offset + ", got " + event.offset());
          } else {
            hits.incrementAndGet();
          }
        }
      });
      readers.add(reader);
      reader.start();
    }
    Instant now = Instant.now();
    for (int i = 0; i < appends; i++) {
      log.publish(PAYLOAD, Map.of(), now);
    }
    done.set(true);
    TestThreads.join(java.time.Duration.ofSeconds(30), readers);

    assertThat(wrong).isEmpty();
    assertThat(hits.get()).isPositive();
    assertThat(log.last()).isEqualTo(appends);
    assertThat(log.read(appends).offset()).isEqualTo(appends);
    assertThat(log.read(appends - 64)).isNull(); // evicted: the slot now holds a newer offset
  }

  /** Ready only some of the time; whoever notices it ready again resumes the subscription from its own thread. */
  private static final class FlakySink implements EventSink {
    final ConcurrentLinkedQueue<Long> offsets = new ConcurrentLinkedQueue<>();
    final List<Status> ends = new CopyOnWriteArrayList<>();
    private final AtomicLong inside = new AtomicLong();
    volatile String overlap;

    @Override
    public boolean isReady() {
      return ThreadLocalRandom.current().nextInt(4) != 0;
    }

    @Override
    public void onEvent(TopicEvent event) {
      if (inside.incrementAndGet() != 1) {
        overlap = "two threads delivered at once, at offset " + event.offset();
      }
      offsets.add(event.offset());
      inside.decrementAndGet();
    }

    @Override
    public void onEnd(Status status) {
      ends.add(status);
    }
  }

  @Test
  void subscribersResumedFromOtherThreadsWhileTheHistoryWrapsSeeEachOffsetOnceInOrderOrARetentionGap()
      throws Exception {
    int events = 30_000;
    try (InMemoryBroker broker = InMemoryBroker.builder().historyMaxEvents(32).maxSubscriberLag(events * 2L)
        .build()) {
      List<FlakySink> sinks = new ArrayList<>();
      List<BrokerSubscription> subscriptions = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        FlakySink sink = new FlakySink();
        sinks.add(sink);
        subscriptions.add(broker.subscribe("t", Position.live(), sink));
      }
      AtomicBoolean done = new AtomicBoolean();
      List<Thread> resumers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        Thread resumer = new Thread(() -> {
          while (!done.get()) {
            subscriptions.forEach(BrokerSubscription::resume); // as event loops' onReady would
          }
        });
        resumers.add(resumer);
        resumer.start();
      }
      for (int i = 0; i < events; i++) {
        broker.publish("t", PAYLOAD, Map.of()).join();
      }
      done.set(true);
      TestThreads.join(java.time.Duration.ofSeconds(30), resumers);
      // Drain what is left from this thread until every sink has the last offset (each resume tries again).
      for (FlakySink sink : sinks) {
        BrokerSubscription subscription = subscriptions.get(sinks.indexOf(sink));
        for (int tries = 0; tries < 1_000 && !Long.valueOf(events).equals(lastOf(sink)); tries++) {
          subscription.resume();
        }
      }

      for (FlakySink sink : sinks) {
        assertThat(sink.overlap).isNull();
        assertThat(sink.ends).isEmpty();
        List<Long> offsets = new ArrayList<>(sink.offsets);
        assertThat(offsets).isNotEmpty().last().isEqualTo((long) events);
        for (int i = 1; i < offsets.size(); i++) {
          assertThat(offsets.get(i)).as("offset after %d", offsets.get(i - 1)).isGreaterThan(offsets.get(i - 1));
        }
      }
    }
  }

  private static Long lastOf(FlakySink sink) {
    Long last = null;
    for (Long offset : sink.offsets) {
      last = offset;
    }
    return last;
  }
}
