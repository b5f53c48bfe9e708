package io.streamkit.server.broker.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.RecordingSink;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.testing.RedisCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Redis broker on a real Redis Cluster (six redis-server processes: three masters, three replicas): delivery
 * across instances for topics on every master, a slot moved while publishing, a master killed with SIGKILL with
 * and without {@code waitReplicas}, and the whole cluster down and back.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RedisClusterBrokerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final RedisResources resources = new RedisResources();

  @AfterEach
  void closeAll() throws Exception {
    resources.close();
  }

  private RedisBroker broker(RedisCluster cluster, int waitReplicas) {
    return resources.add(RedisBroker.builder().cluster(cluster.uris()).waitReplicas(waitReplicas)
        .commandTimeout(Duration.ofSeconds(2)).build());
  }

  private static CompletableFuture<Published> publish(RedisBroker b, String topic, String payload) {
    return b.publish(topic, ByteString.copyFromUtf8(payload), Map.of());
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  void eventsPublishedOnOneInstanceReachSubscribersOnAnotherForTopicsOnEveryMaster() throws Exception {
    RedisCluster cluster = resources.add(RedisCluster.start());
    RedisBroker a = broker(cluster, 0);
    RedisBroker b = broker(cluster, 0);
    List<Integer> masters = cluster.masters();
    assertThat(masters).hasSize(3);
    Map<String, RecordingSink> sinks = new HashMap<>();
    for (int master : masters) {
      String topic = cluster.topicOn(master, "t");
      RecordingSink sink = new RecordingSink();
      b.subscribe(topic, Position.after(0, ""), sink);
      sinks.put(topic, sink);
    }
    await().atMost(WAIT).until(() -> sinks.keySet().stream().allMatch(t -> b.subscriberCount(t) == 1));
    List<CompletableFuture<Published>> acks = new ArrayList<>();
    for (int i = 1; i <= 50; i++) {
      for (String topic : sinks.keySet()) {
        acks.add(publish(a, topic, topic + "-" + i));
      }
    }
    for (CompletableFuture<Published> ack : acks) {
      ack.get(20, TimeUnit.SECONDS);
    }
    for (Map.Entry<String, RecordingSink> e : sinks.entrySet()) {
      await().atMost(WAIT).until(() -> e.getValue().events.size() >= 50);
      assertThat(e.getValue().offsets()).as(e.getKey()).isEqualTo(range(1, 50));
      assertThat(e.getValue().payloads().get(49)).isEqualTo(e.getKey() + "-50");
    }
  }

  @Test
  void aSlotMovedWhilePublishingLosesAndRepeatsNothing() throws Exception {
    RedisCluster cluster = resources.add(RedisCluster.start());
    RedisBroker a = broker(cluster, 0);
    RedisBroker b = broker(cluster, 0);
    int from = cluster.masters().get(0);
    String topic = cluster.topicOn(from, "moving");
    int slot = cluster.slotOf(topic);
    RecordingSink sink = new RecordingSink();
    b.subscribe(topic, Position.after(0, ""), sink);
    await().atMost(WAIT).until(() -> b.subscriberCount(topic) == 1);

    Publisher publisher = new Publisher(a, topic);
    publisher.start();
    await().atMost(WAIT).until(() -> publisher.acked.size() >= 300);
    int to = cluster.masters().stream().filter(p -> p != from).findFirst().orElseThrow();
    cluster.moveSlot(slot, to);
    assertThat(cluster.masterOf(slot)).isEqualTo(to);
    int ackedAtMove = publisher.acked.size();
    await().atMost(WAIT).until(() -> publisher.acked.size() >= ackedAtMove + 300);
    publisher.stop();

    assertThat(publisher.failures).as("publishes failed across the move").isEmpty();
    List<Published> acked = publisher.sortedAcks();
    assertThat(acked.stream().map(Published::epoch).distinct()).hasSize(1);
    assertThat(acked.stream().map(Published::offset).toList()).isEqualTo(range(1, acked.size()));
    await().atMost(WAIT).until(() -> sink.events.size() >= acked.size());
    assertThat(sink.offsets()).isEqualTo(range(1, acked.size()));
    assertThat(sink.payloads()).isEqualTo(publisher.payloadsInOffsetOrder());
  }

  @Test
  void withWaitReplicasAKilledMasterLosesNoAcknowledgedEvent() throws Exception {
    RedisCluster cluster = resources.add(RedisCluster.start());
    RedisBroker a = broker(cluster, 1);
    RedisBroker b = broker(cluster, 1);
    int victim = cluster.masters().get(1);
    String topic = cluster.topicOn(victim, "durable");
    RecordingSink sink = new RecordingSink();
    b.subscribe(topic, Position.after(0, ""), sink);
    await().atMost(WAIT).until(() -> b.subscriberCount(topic) == 1);

    Publisher publisher = new Publisher(a, topic);
    publisher.start();
    await().atMost(WAIT).until(() -> publisher.acked.size() >= 300 || !publisher.failures.isEmpty());
    assertThat(publisher.failures).as("failures before the kill").isEmpty();
    cluster.kill(victim);
    int ackedAtKill = publisher.acked.size();
    cluster.awaitFailover(victim, cluster.slotOf(topic));
    // The new master has no replica until the old one is back (as its replica): WAIT 1 cannot succeed before.
    cluster.startAgain(victim);
    cluster.awaitHealthy();
    await().atMost(WAIT).until(() -> publisher.acked.size() >= ackedAtKill + 300);
    publisher.stop();

    List<Published> acked = publisher.sortedAcks();
    assertThat(acked.stream().map(Published::epoch).distinct()).as("one epoch across the failover").hasSize(1);
    await().atMost(WAIT).until(() -> sink.events.size() >= acked.get(acked.size() - 1).offset());
    List<Long> offsets = sink.offsets();
    assertThat(offsets).as("contiguous, no duplicate").isEqualTo(range(1, offsets.size()));
    assertThat(sink.events.stream().map(TopicEvent::epoch).distinct()).hasSize(1);
    Map<Long, String> received = new HashMap<>();
    for (TopicEvent e : sink.events) {
      received.put(e.offset(), e.event().getPayload().toStringUtf8());
    }
    for (Published p : acked) {
      assertThat(received.get(p.offset())).as("acknowledged offset " + p.offset())
          .isEqualTo(publisher.payloadOf(p));
    }
    // Publishes in flight at the kill failed, typed: never acknowledged, maybe stored.
    for (Throwable f : publisher.failures) {
      assertThat(ErrorDetails.reason(Status.fromThrowable(f))).isIn(ErrorReason.PUBLISH_UNCONFIRMED,
          ErrorReason.BROKER_UNAVAILABLE, ErrorReason.REPLICATION_UNCONFIRMED);
    }
  }

  @Test
  void withoutWaitReplicasALossOnFailoverIsReportedAsANewEpochNeverAsReusedOffsets() throws Exception {
    RedisCluster cluster = resources.add(RedisCluster.start());
    RedisBroker a = broker(cluster, 0);
    RedisBroker b = broker(cluster, 0);
    int victim = cluster.masters().get(2);
    String topic = cluster.topicOn(victim, "fast");
    RecordingSink sink = new RecordingSink();
    b.subscribe(topic, Position.after(0, ""), sink);
    await().atMost(WAIT).until(() -> b.subscriberCount(topic) == 1);

    Publisher publisher = new Publisher(a, topic);
    publisher.start();
    await().atMost(WAIT).until(() -> publisher.acked.size() >= 300 || !publisher.failures.isEmpty());
    assertThat(publisher.failures).as("failures before the kill").isEmpty();
    // The replica frozen, its link cut: events acknowledged from now until the kill are on the master only, and
    // the failover loses them.
    int replica = cluster.replicaOf(victim);
    cluster.freeze(replica);
    cluster.cutReplicas(victim);
    int ackedAtCut = publisher.acked.size();
    await().atMost(WAIT).until(() -> publisher.acked.size() >= ackedAtCut + 100);
    cluster.kill(victim);
    cluster.thaw(replica);
    int ackedAtKill = publisher.acked.size();
    cluster.awaitFailover(victim, cluster.slotOf(topic));
    await().atMost(WAIT).until(() -> publisher.acked.size() >= ackedAtKill + 300);
    publisher.stop();

    List<Published> acked = publisher.sortedAcks();
    Published newest = acked.get(acked.size() - 1);
    await().atMost(WAIT).until(() -> sink.events.stream().anyMatch(
        e -> e.epoch().equals(newest.epoch()) && e.offset() == newest.offset()));
    Map<String, String> received = new HashMap<>();
    List<String> epochsInOrder = new ArrayList<>();
    for (TopicEvent e : sink.events) {
      String id = e.epoch() + "/" + e.offset();
      assertThat(received.put(id, e.event().getPayload().toStringUtf8())).as("delivered twice: " + id).isNull();
      if (epochsInOrder.isEmpty() || !epochsInOrder.get(epochsInOrder.size() - 1).equals(e.epoch())) {
        assertThat(epochsInOrder).as("epochs come back").doesNotContain(e.epoch());
        epochsInOrder.add(e.epoch());
      }
    }
    long lost = acked.stream().filter(p -> !received.containsKey(p.epoch() + "/" + p.offset())).count();
    System.out.println("failover without WAIT: " + lost + " of " + acked.size() + " acknowledged event(s) lost, "
        + "epochs delivered: " + epochsInOrder);
    for (Published p : acked) {
      String id = p.epoch() + "/" + p.offset();
      String got = received.get(id);
      if (got != null) {
        assertThat(got).as("offset " + id + " reused for another event").isEqualTo(publisher.payloadOf(p));
      } else {
        // Lost in the failover: only acceptable when the subscriber was told (a later epoch: a reset).
        assertThat(epochsInOrder.indexOf(p.epoch())).as("lost " + id + " without a reset")
            .isBetween(0, epochsInOrder.size() - 2);
      }
    }
  }

  @Test
  void aWaitShortOfItsReplicasFailsThePublishTypedAndNeverAcknowledgesIt() throws Exception {
    RedisCluster cluster = resources.add(RedisCluster.start());
    RedisBroker b = broker(cluster, 2); // every master has one replica
    String topic = cluster.topicOn(cluster.masters().get(0), "short");
    ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> publish(b, topic, "x").get(20, TimeUnit.SECONDS));
    Status status = Status.fromThrowable(failed.getCause());
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(ErrorDetails.reason(status)).isEqualTo(ErrorReason.REPLICATION_UNCONFIRMED);
    assertThat(status.getDescription()).contains("only 1 of the 2 replica(s)", "offsets 1..1", "not acknowledged");
  }

  @Test
  void theClusterUnreachableFailsPublishesAndReportsUnavailableThenBothRecover() throws Exception {
    RedisCluster cluster = resources.add(RedisCluster.start());
    RedisBroker a = broker(cluster, 0);
    String topic = cluster.topicOn(cluster.masters().get(0), "down");
    RecordingSink sink = new RecordingSink();
    a.subscribe(topic, Position.after(0, ""), sink);
    List<Boolean> availability = new CopyOnWriteArrayList<>();
    a.watchAvailability((up, why) -> availability.add(up));
    publish(a, topic, "before").get(20, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> sink.events.size() == 1);

    cluster.killAll();
    await().atMost(WAIT).until(() -> availability.get(availability.size() - 1) == Boolean.FALSE);
    ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> publish(a, topic, "while down").get(20, TimeUnit.SECONDS));
    Status status = Status.fromThrowable(failed.getCause());
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).contains("Redis Cluster at 127.0.0.1:");

    cluster.startAllAgain();
    await().atMost(WAIT).until(() -> availability.get(availability.size() - 1) == Boolean.TRUE);
    await().atMost(WAIT).ignoreExceptions().until(() -> publish(a, topic, "after").get(5, TimeUnit.SECONDS) != null);
    // The cluster kept no data (no persistence): a new epoch, which the subscriber sees as a reset.
    await().atMost(WAIT).until(() -> sink.payloads().contains("after"));
    assertThat(sink.events.get(sink.events.size() - 1).epoch()).isNotEqualTo(sink.events.get(0).epoch());
  }

  /** Publishes numbered events to one topic with up to 64 in flight, remembering what was acknowledged. */
  private static final class Publisher {
    final RedisBroker broker;
    final String topic;
    final ConcurrentLinkedQueue<Published> acked = new ConcurrentLinkedQueue<>();
    final Map<Published, String> payloads = new java.util.concurrent.ConcurrentHashMap<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    final AtomicBoolean running = new AtomicBoolean(true);
    final Semaphore window = new Semaphore(64);
    final AtomicInteger next = new AtomicInteger();
    Thread thread;

    Publisher(RedisBroker broker, String topic) {
      this.broker = broker;
      this.topic = topic;
    }

    void start() {
      thread = new Thread(() -> {
        while (running.get()) {
          try {
            if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
              continue;
            }
          } catch (InterruptedException e) {
            return;
          }
          String payload = "p" + next.incrementAndGet();
          publish(broker, topic, payload).whenComplete((p, e) -> {
            if (e == null) {
              payloads.put(p, payload);
              acked.add(p);
            } else {
              failures.add(e);
            }
            window.release();
          });
          try {
            Thread.sleep(0, 200_000); // about 5,000 events/s at most: time for the move to happen in between
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "publisher");
      thread.start();
    }

    void stop() throws Exception {
      running.set(false);
      thread.join(10_000);
      assertThat(window.tryAcquire(64, 20, TimeUnit.SECONDS)).as("publishes settled").isTrue();
    }

    List<Published> sortedAcks() {
      List<Published> out = new ArrayList<>(acked);
      out.sort(java.util.Comparator.comparing(Published::epoch).thenComparingLong(Published::offset));
      Set<String> ids = new HashSet<>();
      for (Published p : out) {
        assertThat(ids.add(p.epoch() + "/" + p.offset())).as("acknowledged twice: " + p).isTrue();
      }
      return out;
    }

    String payloadOf(Published p) {
      return payloads.get(p);
    }

    List<String> payloadsInOffsetOrder() {
      return sortedAcks().stream().map(payloads::get).toList();
    }
  }
}
