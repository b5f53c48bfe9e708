package io.streamkit.it;

import static io.streamkit.testing.ServerFleet.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.Event;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.SubscribeOptions;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.testing.RedisCluster;
import io.streamkit.testing.ServerFleet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Two server processes with {@code --broker redis-cluster} on a real Redis Cluster (six redis-server processes,
 * three masters with a replica each), all started by the test on free ports and stopped at the end: delivery
 * across instances for topics on every master; a topic's master killed with SIGKILL while a client publishes
 * and another subscribes, on two more servers with {@code --redis-wait-replicas 1}; then the whole cluster down
 * (Publish UNAVAILABLE, health NOT_SERVING) and back (both recover). The broker-level cases (resharding, failover with and without
 * {@code --redis-wait-replicas}) are in the server module's {@code RedisClusterBrokerTest}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RedisClusterIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final SubscribeOptions STRICT = SubscribeOptions.builder()
      .reconnectPolicy(ReconnectPolicy.builder().maxDelay(Duration.ofMillis(300)).build())
      .stopOnDiscontinuity().build();
  private static RedisCluster cluster;
  /** Closed after the tests, and with it the cluster it runs on. */
  @AutoClose
  private static ServerFleet fleet;
  private static List<StreamKitClient> clients;

  @BeforeAll
  static void startClusterAndTwoServers() throws Exception {
    cluster = RedisCluster.start();
    fleet = ServerFleet.start(cluster, 2, "--broker", "redis-cluster",
        "--redis-uri", String.join(",", cluster.uris().subList(0, 2)), "--redis-timeout", "2s");
    clients = fleet.clients();
  }

  /** One Publish call, never retried: a failure is the test's to see. */
  private static long publish(StreamKitClient client, String topic, List<String> payloads) throws Exception {
    return ServerFleet.publish(client, topic, payloads, Duration.ZERO);
  }

  @Test
  @Order(1)
  void eventsPublishedOnOneInstanceReachSubscribersOnTheOtherForTopicsOnEveryMaster() throws Exception {
    List<Integer> masters = cluster.masters();
    assertThat(masters).hasSize(3);
    List<String> topics = new ArrayList<>();
    List<Subscription> subs = new ArrayList<>();
    for (int master : masters) {
      String topic = cluster.topicOn(master, "it");
      topics.add(topic);
      subs.add(clients.get(1).subscribe(List.of(TopicStart.oldest(topic)), STRICT));
    }
    for (String topic : topics) {
      assertThat(publish(clients.get(0), topic, numbered(topic + "-", 1, 20))).isEqualTo(20);
    }
    for (int t = 0; t < topics.size(); t++) {
      List<Event> got = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        got.add(subs.get(t).next(WAIT));
      }
      assertThat(got).extracting(Event::getOffset).isEqualTo(LongStream.rangeClosed(1, 20).boxed().toList());
      assertThat(got).extracting(e -> e.getPayload().toStringUtf8()).isEqualTo(numbered(topics.get(t) + "-", 1, 20));
      subs.get(t).close();
    }
  }

  @Test
  @Order(2)
  void aMasterKilledWithWaitReplicasLosesNothingAcknowledgedAndClientsSeeNothingMissingOrRepeated()
      throws Exception {
    int victim = cluster.masters().get(0);
    String topic = cluster.topicOn(victim, "kill");
    try (ServerFleet durable = ServerFleet.start(2, "--broker", "redis-cluster", "--redis-uri",
        String.join(",", cluster.uris()), "--redis-timeout", "2s", "--redis-wait-replicas", "1");
        Subscription sub = durable.clients().get(1).subscribe(List.of(TopicStart.oldest(topic)), STRICT)) {
      Map<Long, String> acked = new ConcurrentHashMap<>();
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger sent = new AtomicInteger();
      Thread publisher = new Thread(() -> {
        while (running.get()) {
          String payload = "k" + sent.incrementAndGet();
          try {
            long offset = durable.clients().get(0).publish(topic, payload).get(10, TimeUnit.SECONDS)
                .getLastOffsetsOrThrow(topic);
            acked.put(offset, payload);
          } catch (Exception notAcknowledged) {
            // in flight at the kill, or no replica yet: not acknowledged, maybe stored
          }
        }
      }, "cluster-it-publisher");
      publisher.start();
      await().atMost(WAIT).until(() -> acked.size() >= 100);
      cluster.kill(victim);
      cluster.awaitFailover(victim, cluster.slotOf(topic));
      cluster.startAgain(victim); // back as the new master's replica: WAIT 1 can succeed again
      cluster.awaitHealthy();
      int ackedAfterFailover = acked.size();
      await().atMost(WAIT).until(() -> acked.size() >= ackedAfterFailover + 100);
      running.set(false);
      publisher.join(20_000);

      long highest = acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
      Map<Long, String> received = new java.util.HashMap<>();
      long expected = 1;
      while (expected <= highest) {
        Event e = sub.next(WAIT); // a reset or gap would throw (stopOnDiscontinuity)
        assertThat(e.getOffset()).as("contiguous, nothing repeated").isEqualTo(expected);
        received.put(e.getOffset(), e.getPayload().toStringUtf8());
        expected++;
      }
      for (Map.Entry<Long, String> a : acked.entrySet()) {
        assertThat(received.get(a.getKey())).as("acknowledged offset " + a.getKey()).isEqualTo(a.getValue());
      }
    }
  }

  @Test
  @Order(3)
  void theClusterUnreachableMakesPublishUnavailableAndHealthNotServingThenBothRecover() throws Exception {
    String topic = cluster.topicOn(cluster.masters().get(1), "outage");
    assertThat(publish(clients.get(0), topic, List.of("before"))).isEqualTo(1);
    await().atMost(WAIT).until(() -> fleet.health(1) == ServingStatus.SERVING);

    cluster.killAll();
    await().atMost(WAIT).until(() -> fleet.health(0) == ServingStatus.NOT_SERVING
        && fleet.health(1) == ServingStatus.NOT_SERVING);
    assertThatThrownBy(() -> publish(clients.get(0), topic, List.of("refused")))
        .isInstanceOfSatisfying(StreamKitException.class, e -> {
          assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.reason()).isIn(ErrorReason.BROKER_UNAVAILABLE, ErrorReason.PUBLISH_UNCONFIRMED);
          assertThat(e.status().getDescription()).contains("Redis Cluster at 127.0.0.1:");
        });

    cluster.startAllAgain();
    await().atMost(WAIT).until(() -> fleet.health(0) == ServingStatus.SERVING
        && fleet.health(1) == ServingStatus.SERVING);
    await().atMost(WAIT).ignoreExceptions().until(() -> publish(clients.get(1), topic, List.of("after")) == 1);
  }
}
