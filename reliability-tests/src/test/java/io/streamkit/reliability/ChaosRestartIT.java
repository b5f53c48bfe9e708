package io.streamkit.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Event;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.SubscriptionHandle;
import io.streamkit.client.SubscriptionListener;
import io.streamkit.client.TopicStart;
import io.streamkit.testing.TestThreads;
import io.streamkit.testing.ServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Chaos with the in-memory broker: one server process, killed with SIGKILL and restarted every few seconds
 * for {@code reliability.duration} (10 s in every build, 60 s or more with {@code -P reliability}), while a
 * publisher publishes without pause and {@code reliability.subscribers} resuming subscribers (50; 200 with the
 * profile) read. History is lost with the process, so the pass criterion is the in-memory one:
 *
 * <ul>
 *   <li>no subscriber gets an event twice (nothing still in the client's reach is repeated);</li>
 *   <li>within one epoch a subscriber's offsets go up by exactly one (no hidden gap), and every change of epoch
 *       is reported to the application with onReset before the first event of the new epoch;</li>
 *   <li>every event acknowledged by the last process reaches every subscriber: no subscriber ends stuck.</li>
 * </ul>
 */
class ChaosRestartIT {
  private static final String TOPIC = "chaos";
  private static final Duration KILL_EVERY = Duration.ofSeconds(4);
  private static final int CLIENTS = 4;

  static Duration duration() {
    String text = System.getProperty("reliability.duration", "10s").trim().toLowerCase();
    if (text.endsWith("m")) {
      return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
    }
    return Duration.ofSeconds(Long.parseLong(text.replace("s", "")));
  }

  /** One subscriber's view, checked as events arrive (callbacks of one subscription are serialized). */
  static final class Subscriber implements SubscriptionListener {
    final List<String> problems = new CopyOnWriteArrayList<>();
    final Set<String> payloads = ConcurrentHashMap.newKeySet();
    final AtomicInteger resets = new AtomicInteger();
    final AtomicInteger gaps = new AtomicInteger();
    final AtomicLong events = new AtomicLong();
    /** When the first event of each epoch arrived, nanoTime. */
    final Map<String, Long> firstEventOfEpoch = new ConcurrentHashMap<>();
    private String epoch;
    private long offset;
    private boolean resetReported;

    @Override
    public void onEvent(Event e) {
      events.incrementAndGet();
      if (!payloads.add(e.getPayload().toStringUtf8())) {
        problems.add("duplicate " + e.getPayload().toStringUtf8() + " at offset " + e.getOffset());
      }
      if (epoch != null && !epoch.equals(e.getEpoch()) && !resetReported) {
        problems.add("epoch changed from " + epoch + " to " + e.getEpoch() + " without onReset");
      }
      if (epoch != null && epoch.equals(e.getEpoch()) && e.getOffset() != offset + 1) {
        problems.add("offset " + e.getOffset() + " after " + offset + " in epoch " + epoch);
      }
      firstEventOfEpoch.putIfAbsent(e.getEpoch(), System.nanoTime());
      epoch = e.getEpoch();
      offset = e.getOffset();
      resetReported = false;
    }

    @Override
    public void onGap(String topic, long expectedOffset, long actualOffset) {
      // Retention is far larger than this run: a resuming subscriber never falls behind it, so a gap is a failure.
      gaps.incrementAndGet();
      problems.add("gap reported on " + topic + ": offsets " + expectedOffset + ".." + (actualOffset - 1));
    }

    @Override
    public void onReset(String topic, String oldEpoch, String newEpoch) {
      resets.incrementAndGet();
      resetReported = true;
    }

    @Override
    public void onError(StreamKitException error) {
      problems.add("subscription ended: " + error.status());
    }
  }

  @Test
  void subscribersOfAKilledAndRestartedInMemoryServerGetEveryEventOnceAndEveryResetReported() throws Exception {
    int subscriberCount = Integer.getInteger("reliability.subscribers", 50);
    Duration duration = duration();
    try (ServerProcess server = ServerProcess.start()) {
      String target = "127.0.0.1:" + server.port();
      List<StreamKitClient> clients = new ArrayList<>();
      List<Subscriber> subscribers = new ArrayList<>();
      List<SubscriptionHandle> handles = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        clients.add(StreamKitClient.builder().target(target).build());
      }
      for (int i = 0; i < subscriberCount; i++) {
        Subscriber s = new Subscriber();
        subscribers.add(s);
        handles.add(clients.get(i % CLIENTS).subscribe(List.of(TopicStart.oldest(TOPIC)),
            ReconnectPolicy.defaults(), s));
      }

      // The publisher: batches of 20 on one Publish call each; a batch that fails is not retried (its events
      // died with the process or were never stored), the next batch gets new payloads.
      AtomicInteger generation = new AtomicInteger();
      Map<Integer, List<String>> ackedByGeneration = new ConcurrentHashMap<>();
      AtomicLong acked = new AtomicLong();
      AtomicLong failedBatches = new AtomicLong();
      AtomicReference<String> lastFailure = new AtomicReference<>();
      AtomicBoolean publishing = new AtomicBoolean(true);
      StreamKitClient publisherClient = StreamKitClient.builder().target(target).build();
      Thread publisher = new Thread(() -> {
        long seq = 0;
        while (publishing.get()) {
          int before = generation.get();
          List<String> batch = new ArrayList<>();
          try (EventPublisher p = publisherClient.publisher()) {
            for (int i = 0; i < 20; i++) {
              String payload = "p" + (seq++);
              p.publish(TOPIC, ByteString.copyFromUtf8(payload));
              batch.add(payload);
            }
            p.complete();
            acked.addAndGet(batch.size());
            if (generation.get() == before) {
              ackedByGeneration.computeIfAbsent(before, g -> new CopyOnWriteArrayList<>()).addAll(batch);
            }
            Thread.sleep(5);
          } catch (StreamKitException e) {
            failedBatches.incrementAndGet();
            lastFailure.set(System.nanoTime() / 1_000_000 + " ms: " + e.status());
            sleepQuietly(100);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "chaos-publisher");
      publisher.start();

      long start = System.nanoTime();
      List<Long> restartedAt = new ArrayList<>();
      int kills = 0;
      while (System.nanoTime() - start < duration.toNanos()) {
        Thread.sleep(KILL_EVERY.toMillis());
        generation.incrementAndGet(); // before the kill: an ack read after this is not attributed
        server.kill();
        kills++;
        server.startAgain();
        restartedAt.add(System.nanoTime());
        generation.incrementAndGet();
      }
      int finalGeneration = generation.get();
      // Let the last process take acknowledged events for a while, then stop publishing.
      // 60 s: the publisher may wait out grpc-java's reconnect backoff first, on a machine busy with other builds.
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
          assertThat(ackedByGeneration.getOrDefault(finalGeneration, List.of()).size())
              .as("events the last process acknowledged; %d batches failed, the last at %s (now %d ms)",
                  failedBatches.get(), lastFailure.get(), System.nanoTime() / 1_000_000)
              .isGreaterThanOrEqualTo(200));
      publishing.set(false);
      TestThreads.join(Duration.ofSeconds(30), publisher);
      List<String> mustArrive = ackedByGeneration.get(finalGeneration);

      // Nobody stuck: every subscriber gets every event the last process acknowledged.
      await().atMost(Duration.ofSeconds(60)).until(() ->
          subscribers.stream().allMatch(s -> s.payloads.containsAll(mustArrive)));

      long maxResumeMillis = 0;
      for (Subscriber s : subscribers) {
        // Resume time: from the last restart to the subscriber's first event of the last epoch.
        long lastRestart = restartedAt.get(restartedAt.size() - 1);
        long first = s.firstEventOfEpoch.values().stream().mapToLong(Long::longValue).max().orElse(lastRestart);
        maxResumeMillis = Math.max(maxResumeMillis, (first - lastRestart) / 1_000_000);
      }
      long delivered = subscribers.stream().mapToLong(s -> s.events.get()).sum();
      int resets = subscribers.stream().mapToInt(s -> s.resets.get()).sum();
      int gaps = subscribers.stream().mapToInt(s -> s.gaps.get()).sum();
      System.out.printf("chaos (in-memory, 1 instance): %d s, %d SIGKILL+restart, %d subscribers on %d "
              + "connections; %,d events acknowledged, %d batches failed by a kill, %,d events delivered; %d resets "
              + "reported (%d per subscriber at most), %d gaps reported; max resume after the last restart %d ms%n",
          duration.toSeconds(), kills, subscriberCount, CLIENTS, acked.get(), failedBatches.get(), delivered, resets,
          subscribers.stream().mapToInt(s -> s.resets.get()).max().orElse(0), gaps, maxResumeMillis);

      assertThat(kills).isGreaterThanOrEqualTo(1);
      for (Subscriber s : subscribers) {
        assertThat(s.problems).isEmpty();
        assertThat(s.gaps.get()).as("gaps reported").isZero();
        assertThat(s.resets.get()).as("resets reported").isBetween(1, kills);
      }
      for (SubscriptionHandle h : handles) {
        h.cancel();
      }
      publisherClient.close();
      for (StreamKitClient c : clients) {
        c.close();
      }
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
