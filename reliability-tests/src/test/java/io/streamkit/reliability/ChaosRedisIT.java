package io.streamkit.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.SubscriptionHandle;
import io.streamkit.client.SubscriptionListener;
import io.streamkit.client.TopicStart;
import io.streamkit.testing.TestThreads;
import io.streamkit.testing.RedisProcess;
import io.streamkit.testing.ServerFleet;
import io.streamkit.testing.ServerProcess;
import io.streamkit.testing.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Chaos with the Redis broker: three server instances (real processes, {@code --broker redis}) on one
 * redis-server with {@code appendonly yes}; every {@link #KILL_EVERY} one instance, in turn, is killed with
 * SIGKILL and started again on the same port, for {@code reliability.duration} (10 s in every build, 60 s or
 * more with {@code -P reliability}). Meanwhile one publisher per instance publishes batches on Publish calls to
 * its own instance, and {@code reliability.subscribers} resuming subscribers (50; 200 with the profile) read the
 * topic from the oldest event, spread over {@link #CLIENTS} client connections. Each connection goes through a
 * {@link TcpProxy} that prefers one instance and falls over to the others, as a load balancer would, so a
 * subscriber whose instance dies resumes on another one.
 *
 * <p>Redis never dies here, so the pass criterion is the strict one:
 *
 * <ul>
 *   <li>every subscriber's application gets offsets 1, 2, 3, ... of one epoch: no hole, no duplicate, no gap
 *       or reset reported, and every subscriber sees the same payload under each offset;</li>
 *   <li>no payload is stored twice, and every acknowledged event is among them (a batch that failed because its
 *       instance died may or may not have been stored, in part: such events may be seen, once);</li>
 *   <li>no subscriber ends stuck: after the run each reaches the last acknowledged offset within a bounded
 *       wait.</li>
 * </ul>
 */
class ChaosRedisIT {
  private static final String TOPIC = "chaos-redis";
  private static final int INSTANCES = 3;
  private static final int CLIENTS = 6;
  private static final Duration KILL_EVERY = Duration.ofSeconds(3);
  /**
   * Three server JVMs, the test's own and Redis share two cores here, and a restarting JVM spends seconds of CPU
   * on its JIT: C1 alone starts them several times faster, and is plenty for this load.
   */
  private static final List<String> SERVER_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
  private static final int BATCH = 10;
  private static final Duration BATCH_PAUSE = Duration.ofMillis(100);
  /** Quick to come back, as a subscriber of a push service wants: 100 ms doubling to 1 s. */
  private static final ReconnectPolicy RECONNECT = ReconnectPolicy.builder().maxDelay(Duration.ofSeconds(1)).build();

  /** What every subscriber saw under each offset, and where each payload was seen: shared to compare them. */
  private final Map<Long, String> payloadAt = new ConcurrentHashMap<>();
  private final Map<String, Long> offsetOf = new ConcurrentHashMap<>();
  /** When each kill happened (nanoTime), in order. */
  private final List<Long> killedAt = new CopyOnWriteArrayList<>();
  /** Per kill (index into killedAt), the longest time any subscriber took to get an event published after it. */
  private final Map<Integer, Long> resumeNanosByKill = new ConcurrentHashMap<>();

  private List<Long> resumePerKill() {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < killedAt.size(); i++) {
      out.add(resumeNanosByKill.getOrDefault(i, -1_000_000L) / 1_000_000);
    }
    return out;
  }

  /** One subscriber's view, checked as events arrive (callbacks of one subscription are serialized). */
  final class Subscriber implements SubscriptionListener {
    final int client;
    final List<String> problems = new CopyOnWriteArrayList<>();
    final AtomicLong events = new AtomicLong();
    volatile long offset;
    volatile String epoch;
    /** The longest time from a kill to this subscriber's first event published after that kill. */
    volatile long maxResumeNanos;
    private int killsResolved;

    Subscriber(int client) {
      this.client = client;
    }

    @Override
    public void onEvent(Event e) {
      long now = System.nanoTime();
      events.incrementAndGet();
      String payload = e.getPayload().toStringUtf8();
      if (epoch == null) {
        epoch = e.getEpoch();
      } else if (!epoch.equals(e.getEpoch())) {
        problems.add("epoch changed from " + epoch + " to " + e.getEpoch() + " at offset " + e.getOffset());
      }
      if (e.getOffset() != offset + 1) {
        problems.add("offset " + e.getOffset() + " after " + offset);
      }
      offset = e.getOffset();
      String other = payloadAt.putIfAbsent(e.getOffset(), payload);
      if (other == null) {
        Long first = offsetOf.putIfAbsent(payload, e.getOffset());
        if (first != null && first != e.getOffset()) {
          problems.add("payload " + payload + " stored twice, at offsets " + first + " and " + e.getOffset());
        }
      } else if (!other.equals(payload)) {
        problems.add("offset " + e.getOffset() + " is " + payload + " here and " + other + " elsewhere");
      }
      long publishedAt = Long.parseLong(payload.substring(payload.lastIndexOf('@') + 1));
      while (killsResolved < killedAt.size() && publishedAt >= killedAt.get(killsResolved)) {
        maxResumeNanos = Math.max(maxResumeNanos, now - killedAt.get(killsResolved));
        resumeNanosByKill.merge(killsResolved, now - killedAt.get(killsResolved), Math::max);
        killsResolved++;
      }
    }

    @Override
    public void onGap(String topic, long expectedOffset, long actualOffset) {
      problems.add("gap reported: " + expectedOffset + ".." + (actualOffset - 1));
    }

    @Override
    public void onReset(String topic, String oldEpoch, String newEpoch) {
      problems.add("reset reported: " + oldEpoch + " -> " + newEpoch);
    }

    @Override
    public void onError(StreamKitException error) {
      problems.add("subscription ended: " + error.status());
    }
  }

  /**
   * One publisher on one instance: batches of {@link #BATCH} on one Publish call each, never retried. Owns its
   * client; {@link #close()} after its thread ended.
   */
  static final class Publisher implements Runnable, AutoCloseable {
    final int instance;
    final String target;
    final AtomicBoolean running = new AtomicBoolean(true);
    final List<String> acknowledged = new CopyOnWriteArrayList<>();
    final AtomicLong lastAckedOffset = new AtomicLong();
    final AtomicLong failedBatches = new AtomicLong();
    volatile long lastAckAt;
    private volatile StreamKitClient client;

    Publisher(int instance, int port) {
      this.instance = instance;
      this.target = "127.0.0.1:" + port;
      this.client = StreamKitClient.builder().target(target).build();
    }

    @Override
    public void run() {
      long seq = 0;
      while (running.get()) {
        List<String> batch = new ArrayList<>();
        try (EventPublisher p = client.publisher()) {
          for (int i = 0; i < BATCH; i++) {
            // The publish time rides in the payload: subscribers measure their resume time with it.
            String payload = "p" + instance + "-" + (seq++) + "@" + System.nanoTime();
            p.publish(TOPIC, ByteString.copyFromUtf8(payload));
            batch.add(payload);
          }
          PublishAck ack = p.complete();
          acknowledged.addAll(batch);
          lastAckedOffset.accumulateAndGet(ack.getLastOffsetsOrThrow(TOPIC), Math::max);
          lastAckAt = System.nanoTime();
          Thread.sleep(BATCH_PAUSE.toMillis());
        } catch (StreamKitException e) {
          // Its instance died (or is starting): the batch may be stored in part; the next one gets new payloads.
          // A new client, because grpc-java's channel would wait out its reconnect backoff (1 s growing 1.6
          // times per failed attempt) and stay idle for seconds after its instance is back.
          failedBatches.incrementAndGet();
          client.close();
          client = StreamKitClient.builder().target(target).build();
          sleepQuietly(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    @Override
    public void close() {
      client.close();
    }
  }

  @Test
  void subscribersOfThreeInstancesOnOneRedisGetEveryAcknowledgedEventOnceInOrderWhileInstancesAreKilled()
      throws Exception {
    int subscriberCount = Integer.getInteger("reliability.subscribers", 50);
    Duration duration = ChaosRestartIT.duration();
    List<TcpProxy> proxies = new ArrayList<>();
    List<StreamKitClient> clients = new ArrayList<>();
    List<Publisher> publishers = new ArrayList<>();
    List<Thread> publisherThreads = new ArrayList<>();
    try (RedisProcess redis = RedisProcess.start(true);
        // Retention far beyond what a resuming subscriber can miss in a few seconds: a gap would be a failure.
        ServerFleet fleet = ServerFleet.startConcurrently(INSTANCES, SERVER_JVM,
            "--broker", "redis", "--redis-uri", redis.uri(), "--history-max-events", "20000")) {
      List<ServerProcess> servers = fleet.servers();
      try {
        List<Integer> ports = servers.stream().map(ServerProcess::port).toList();

        List<Subscriber> subscribers = new ArrayList<>();
        List<SubscriptionHandle> handles = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
          TcpProxy proxy = new TcpProxy(ports, i % INSTANCES);
          proxies.add(proxy);
          clients.add(StreamKitClient.builder().target("127.0.0.1:" + proxy.port()).build());
        }
        for (int i = 0; i < subscriberCount; i++) {
          Subscriber s = new Subscriber(i % CLIENTS);
          subscribers.add(s);
          handles.add(clients.get(s.client).subscribe(List.of(TopicStart.oldest(TOPIC)), RECONNECT, s));
        }
        for (int i = 0; i < INSTANCES; i++) {
          Publisher p = new Publisher(i, ports.get(i));
          publishers.add(p);
          Thread t = new Thread(p, "chaos-redis-publisher-" + i);
          publisherThreads.add(t);
          t.start();
        }

        // One kill every KILL_EVERY, the instances in turn; a restart that takes longer delays the next kill, so
        // at most one instance is down at a time and the other two always serve. At least two kills, so that a
        // slow machine makes the run longer rather than weaker.
        long start = System.nanoTime();
        long nextKill = start + KILL_EVERY.toNanos();
        int kills = 0;
        long lastRestartedAt = start;
        List<Long> restartMillis = new ArrayList<>();
        while (nextKill - start < duration.toNanos() || kills < 2) {
          Thread.sleep(Math.max(0, (nextKill - System.nanoTime()) / 1_000_000));
          ServerProcess victim = servers.get(kills % INSTANCES);
          long killTime = System.nanoTime();
          killedAt.add(killTime);
          victim.kill();
          kills++;
          victim.startAgain();
          lastRestartedAt = System.nanoTime();
          restartMillis.add((lastRestartedAt - killTime) / 1_000_000);
          nextKill = Math.max(nextKill + KILL_EVERY.toNanos(), lastRestartedAt + KILL_EVERY.toNanos() / 4);
        }
        long chaosNanos = System.nanoTime() - start;

        // Every publisher, the last restarted one included, gets acknowledgements again; then publishing stops.
        long restarted = lastRestartedAt;
        await().atMost(Duration.ofSeconds(60)).until(() ->
            publishers.stream().allMatch(p -> p.lastAckAt > restarted + BATCH_PAUSE.toNanos() * 5));
        for (Publisher p : publishers) {
          p.running.set(false);
        }
        TestThreads.join(Duration.ofSeconds(30), publisherThreads);
        long lastAcked = publishers.stream().mapToLong(p -> p.lastAckedOffset.get()).max().orElseThrow();

        // Nobody stuck: every subscriber reaches the last acknowledged offset within a bounded wait.
        long drainStart = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
            .untilAsserted(() -> assertThat(subscribers.stream()
                .filter(s -> s.offset < lastAcked)
                .map(s -> "client " + s.client + " at offset " + s.offset)
                .collect(Collectors.toList()))
                .as("subscribers short of the last acknowledged offset " + lastAcked).isEmpty());
        long drainMillis = (System.nanoTime() - drainStart) / 1_000_000;

        long acked = publishers.stream().mapToLong(p -> p.acknowledged.size()).sum();
        long failedBatches = publishers.stream().mapToLong(p -> p.failedBatches.get()).sum();
        long delivered = subscribers.stream().mapToLong(s -> s.events.get()).sum();
        long resubscribes = 0;
        int connectionsLost = 0;
        for (int i = 0; i < CLIENTS; i++) {
          int lost = proxies.get(i).links() - 1;
          connectionsLost += lost;
          int index = i;
          resubscribes += (long) lost * subscribers.stream().filter(s -> s.client == index).count();
        }
        long maxResumeMillis = subscribers.stream().mapToLong(s -> s.maxResumeNanos).max().orElse(0) / 1_000_000;
        System.out.printf("chaos (redis, 3 instances): %d s, %d SIGKILL+restart, %d subscribers on %d connections; "
                + "%,d events acknowledged (last offset %,d), %d batches failed by a kill, %,d events delivered; "
                + "%d connections lost and re-established, %,d resubscriptions; max resume time %d ms (kill to the "
                + "first event published after it); all subscribers at the last offset %d ms after publishing "
                + "stopped%n",
            chaosNanos / 1_000_000_000L, kills, subscriberCount, CLIENTS, acked, lastAcked, failedBatches, delivered,
            connectionsLost, resubscribes, maxResumeMillis, drainMillis);
        System.out.println("chaos (redis) detail: kill to listening again (ms) " + restartMillis
            + "; max resume per kill (ms) " + resumePerKill());

        assertThat(kills).isGreaterThanOrEqualTo(2);
        for (Subscriber s : subscribers) {
          assertThat(s.problems).as("subscriber on client " + s.client).isEmpty();
        }
        assertThat(subscribers).extracting(s -> s.epoch).containsOnly(subscribers.get(0).epoch);
        for (Publisher p : publishers) {
          assertThat(p.acknowledged).as("publisher " + p.instance + " acknowledged events").isNotEmpty();
          for (String payload : p.acknowledged) {
            Long offset = offsetOf.get(payload);
            assertThat(offset).as("offset of acknowledged " + payload).isNotNull().isLessThanOrEqualTo(lastAcked);
          }
        }
        for (SubscriptionHandle h : handles) {
          h.cancel();
        }
      } finally {
        for (Publisher p : publishers) {
          p.running.set(false);
        }
        for (Thread t : publisherThreads) {
          t.join(30_000);
        }
        for (Publisher p : publishers) {
          p.close();
        }
        for (StreamKitClient c : clients) {
          c.close();
        }
        for (TcpProxy p : proxies) {
          p.close();
        }
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
