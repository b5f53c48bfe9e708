package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.Event;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.SubscribeOptions;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.testing.RedisCluster;
import io.streamkit.testing.ServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Two server processes with {@code --broker redis-cluster} on a real Redis Cluster (six redis-server processes,
 * three masters with a replica each), all started by the test on free ports and stopped at the end: delivery
 * across instances for topics on every master, then the whole cluster down (Publish UNAVAILABLE, health
 * NOT_SERVING) and back (both recover). The broker-level cases (resharding, failover with and without
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
  private static final List<ServerProcess> servers = new ArrayList<>();
  private static final List<StreamKitClient> clients = new ArrayList<>();

  @BeforeAll
  static void startClusterAndTwoServers() throws Exception {
    cluster = RedisCluster.start();
    for (int i = 0; i < 2; i++) {
      ServerProcess s = ServerProcess.start("--broker", "redis-cluster",
          "--redis-uri", String.join(",", cluster.uris().subList(0, 2)), "--redis-timeout", "2s");
      servers.add(s);
      clients.add(StreamKitClient.builder().target("127.0.0.1:" + s.port()).build());
    }
  }

  @AfterAll
  static void stopAll() throws Exception {
    for (StreamKitClient c : clients) {
      c.close();
    }
    for (ServerProcess s : servers) {
      s.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static long publish(StreamKitClient client, String topic, List<String> payloads) throws Exception {
    try (EventPublisher publisher = client.publisher()) {
      for (String p : payloads) {
        publisher.publish(topic, ByteString.copyFromUtf8(p));
      }
      return publisher.complete().getCount();
    }
  }

  private static List<String> names(String prefix, int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  private static ServingStatus health(ServerProcess s) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", s.port()).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(Duration.ofSeconds(5))
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } finally {
      ch.shutdownNow();
    }
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
      assertThat(publish(clients.get(0), topic, names(topic + "-", 1, 20))).isEqualTo(20);
    }
    for (int t = 0; t < topics.size(); t++) {
      List<Event> got = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        got.add(subs.get(t).next(WAIT));
      }
      assertThat(got).extracting(Event::getOffset).isEqualTo(LongStream.rangeClosed(1, 20).boxed().toList());
      assertThat(got).extracting(e -> e.getPayload().toStringUtf8()).isEqualTo(names(topics.get(t) + "-", 1, 20));
      subs.get(t).close();
    }
  }

  @Test
  @Order(2)
  void theClusterUnreachableMakesPublishUnavailableAndHealthNotServingThenBothRecover() throws Exception {
    String topic = cluster.topicOn(cluster.masters().get(1), "outage");
    assertThat(publish(clients.get(0), topic, List.of("before"))).isEqualTo(1);
    await().atMost(WAIT).until(() -> health(servers.get(1)) == ServingStatus.SERVING);

    cluster.killAll();
    await().atMost(WAIT).until(() -> health(servers.get(0)) == ServingStatus.NOT_SERVING
        && health(servers.get(1)) == ServingStatus.NOT_SERVING);
    assertThatThrownBy(() -> publish(clients.get(0), topic, List.of("refused")))
        .isInstanceOfSatisfying(StreamKitException.class, e -> {
          assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.reason()).isIn(ErrorReason.BROKER_UNAVAILABLE, ErrorReason.PUBLISH_UNCONFIRMED);
          assertThat(e.status().getDescription()).contains("Redis Cluster at 127.0.0.1:");
        });

    cluster.startAllAgain();
    await().atMost(WAIT).until(() -> health(servers.get(0)) == ServingStatus.SERVING
        && health(servers.get(1)) == ServingStatus.SERVING);
    await().atMost(WAIT).ignoreExceptions().until(() -> publish(clients.get(1), topic, List.of("after")) == 1);
  }
}
