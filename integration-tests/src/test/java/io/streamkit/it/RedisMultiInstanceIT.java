package io.streamkit.it;

import static io.streamkit.testing.ServerFleet.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.streamkit.api.v1.Event;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.SubscribeOptions;
import io.streamkit.client.Subscription;
import io.streamkit.client.SubscriptionGapException;
import io.streamkit.client.TopicStart;
import io.streamkit.testing.RedisProcess;
import io.streamkit.testing.ServerFleet;
import io.streamkit.testing.ServerProcess;
import io.streamkit.testing.TcpProxy;
import io.streamkit.testing.TestThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three server processes ({@code --broker redis}) on one redis-server process, both started by the test on free
 * ports and stopped at the end. The last test kills one server for good, so the order is fixed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisMultiInstanceIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ReconnectPolicy QUICK = ReconnectPolicy.builder().maxDelay(Duration.ofMillis(300)).build();
  /** Resets and gaps are thrown, so that each test asserts where they happen. */
  private static final SubscribeOptions STRICT =
      SubscribeOptions.builder().reconnectPolicy(QUICK).stopOnDiscontinuity().build();
  private static RedisProcess redis;
  /** Closed after the tests, and with it the Redis it runs on. */
  @AutoClose
  private static ServerFleet fleet;
  private static List<ServerProcess> servers;
  private static List<StreamKitClient> clients;

  @BeforeAll
  static void startRedisAndThreeServers() throws Exception {
    redis = RedisProcess.start(true);
    fleet = ServerFleet.start(redis, 3, "--broker", "redis", "--redis-uri", redis.uri(),
        "--redis-timeout", "2s", "--history-max-events", "150");
    servers = fleet.servers();
    clients = fleet.clients();
  }

  /**
   * Publishes {@code payloads} in one Publish call, retrying the call while the server or Redis is away (only
   * when nothing was stored: Redis refused the first event, or the server is gone), and expects all acknowledged.
   */
  private static void publish(StreamKitClient client, String topic, List<String> payloads) throws Exception {
    assertThat(ServerFleet.publish(client, topic, payloads, WAIT)).isEqualTo(payloads.size());
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  private static List<Event> take(Subscription s, int n) throws Exception {
    List<Event> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(s.next(WAIT));
    }
    return out;
  }

  /** Takes the next events of {@code s}: offsets {@code from..to}, payloads {@code prefix}-from..to. */
  private static void expectNext(Subscription s, String prefix, int from, int to) throws Exception {
    List<Event> got = take(s, to - from + 1);
    assertThat(got).extracting(Event::getOffset).isEqualTo(range(from, to));
    assertThat(got).extracting(e -> e.getPayload().toStringUtf8()).isEqualTo(numbered(prefix, from, to));
  }

  private static void assertNothingMore(Subscription s) {
    assertThatThrownBy(() -> s.next(Duration.ofMillis(300))).isInstanceOf(TimeoutException.class);
  }

  private static List<Subscription> subscribeOnEach(String topic) {
    List<Subscription> subs = new ArrayList<>();
    for (StreamKitClient c : clients) {
      subs.add(c.subscribe(List.of(TopicStart.oldest(topic)), STRICT));
    }
    return subs;
  }

  @Test
  @Order(1)
  void publishersOnEveryInstanceReachSubscribersOnEveryInstanceContiguousAndInOrder() throws Exception {
    List<Subscription> subs = subscribeOnEach("fanout");
    List<Thread> publishers = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int i = 0; i < 3; i++) {
      StreamKitClient c = clients.get(i);
      String who = "p" + i + "-";
      Thread t = new Thread(() -> {
        try {
          for (int batch = 0; batch < 4; batch++) {
            publish(c, "fanout", numbered(who, batch * 10 + 1, batch * 10 + 10));
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      t.start();
      publishers.add(t);
    }
    TestThreads.join(java.time.Duration.ofSeconds(30), publishers);
    assertThat(failures).isEmpty();

    List<String> first = null;
    for (Subscription s : subs) {
      List<Event> got = take(s, 120);
      assertThat(got).extracting(Event::getOffset).isEqualTo(range(1, 120));
      assertThat(got).extracting(Event::getEpoch).containsOnly(got.get(0).getEpoch());
      List<String> payloads = got.stream().map(e -> e.getPayload().toStringUtf8()).toList();
      for (int p = 0; p < 3; p++) {
        String who = "p" + p + "-";
        assertThat(payloads.stream().filter(x -> x.startsWith(who)).toList()).isEqualTo(numbered(who, 1, 40));
      }
      if (first == null) {
        first = payloads;
      }
      assertThat(payloads).isEqualTo(first); // the same order on every instance
      assertNothingMore(s);
      s.close();
    }
  }

  @Test
  @Order(2)
  void retentionTrimmingIsReportedAsAGap() throws Exception {
    publish(clients.get(0), "trimmed", numbered("t", 1, 200)); // the servers keep 150 per topic
    try (Subscription s = clients.get(1).subscribe(List.of(TopicStart.oldest("trimmed")), STRICT)) {
      String epoch = s.next(WAIT).getEpoch();
      try (Subscription resumed =
          clients.get(2).subscribe(List.of(TopicStart.after("trimmed", 10, epoch)), STRICT)) {
        assertThatThrownBy(() -> resumed.next(WAIT))
            .isInstanceOfSatisfying(SubscriptionGapException.class, gap -> {
              assertThat(gap.isReset()).isFalse();
              assertThat(gap.expectedOffset()).isEqualTo(11);
              assertThat(gap.actualOffset()).isEqualTo(51);
            });
        assertThat(take(resumed, 150)).extracting(Event::getOffset).isEqualTo(range(51, 200));
      }
    }
  }

  @Test
  @Order(3)
  void redisKilledAndRestartedWithAppendOnlyLosesNoAcknowledgedEventAndRepeatsNone() throws Exception {
    List<Subscription> subs = subscribeOnEach("durable");
    publish(clients.get(0), "durable", numbered("d", 1, 30));
    for (Subscription s : subs) {
      assertThat(take(s, 30)).extracting(Event::getOffset).isEqualTo(range(1, 30));
    }

    redis.kill();
    await().atMost(WAIT).until(() -> fleet.health(1) == ServingStatus.NOT_SERVING);
    assertThatThrownBy(() -> ServerFleet.publish(clients.get(2), "durable", List.of("refused"), Duration.ZERO))
        .isInstanceOfSatisfying(StreamKitException.class,
            e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

    redis.startAgain(); // appendonly yes: the AOF brings back every acknowledged event
    publish(clients.get(2), "durable", numbered("d", 31, 60));
    await().atMost(WAIT).until(() -> fleet.health(1) == ServingStatus.SERVING);

    for (Subscription s : subs) {
      expectNext(s, "d", 31, 60);
      assertNothingMore(s);
      s.close();
    }
  }

  @Test
  @Order(4)
  void redisRestartedWithoutPersistenceIsReportedAsAResetToEverySubscriber() throws Exception {
    List<Subscription> subs = subscribeOnEach("volatile");
    publish(clients.get(0), "volatile", numbered("v", 1, 20));
    String oldEpoch = null;
    for (Subscription s : subs) {
      List<Event> got = take(s, 20);
      assertThat(got).extracting(Event::getOffset).isEqualTo(range(1, 20));
      oldEpoch = got.get(0).getEpoch();
    }

    redis.kill();
    redis.startAgain(false, true); // everything Redis held is gone
    publish(clients.get(1), "volatile", numbered("w", 1, 10));

    for (Subscription s : subs) {
      String expectedOld = oldEpoch;
      assertThatThrownBy(() -> s.next(WAIT))
          .isInstanceOfSatisfying(SubscriptionGapException.class, gap -> {
            assertThat(gap.isReset()).isTrue();
            assertThat(gap.oldEpoch()).isEqualTo(expectedOld);
            assertThat(gap.newEpoch()).isNotEqualTo(expectedOld);
            assertThat(gap.actualOffset()).isEqualTo(1);
          });
      expectNext(s, "w", 1, 10);
      assertNothingMore(s);
      s.close();
    }
  }

  @Test
  @Order(5)
  void redisRestartedFromAnOlderSnapshotIsReportedNotHidden() throws Exception {
    List<Subscription> subs = subscribeOnEach("snapshot");
    publish(clients.get(0), "snapshot", numbered("s", 1, 10));
    redis.snapshot(); // dump.rdb: offsets 1..10
    publish(clients.get(0), "snapshot", numbered("s", 11, 20));
    String oldEpoch = null;
    for (Subscription s : subs) {
      List<Event> got = take(s, 20);
      assertThat(got).extracting(Event::getOffset).isEqualTo(range(1, 20));
      oldEpoch = got.get(0).getEpoch();
    }

    redis.kill();
    redis.startAgain(false, false); // loads dump.rdb: the same epoch, last offset 10
    publish(clients.get(2), "snapshot", numbered("x", 1, 5));

    for (Subscription s : subs) {
      String expectedOld = oldEpoch;
      assertThatThrownBy(() -> s.next(WAIT))
          .isInstanceOfSatisfying(SubscriptionGapException.class, gap -> {
            assertThat(gap.isReset()).isTrue();
            assertThat(gap.oldEpoch()).isEqualTo(expectedOld);
            assertThat(gap.newEpoch()).isNotEqualTo(expectedOld);
          });
      List<Event> fresh = take(s, 5);
      assertThat(fresh).extracting(e -> e.getPayload().toStringUtf8()).isEqualTo(numbered("x", 1, 5));
      assertNothingMore(s);
      s.close();
    }
    redis.kill();
    redis.startAgain(true, true); // a clean, persistent Redis for the next test
  }

  @Test
  @Order(6)
  void aClientWhoseInstanceIsKilledResumesOnAnotherWithNothingLostOrRepeated() throws Exception {
    ServerProcess doomed = servers.get(0);
    try (TcpProxy balancer = new TcpProxy(doomed.port());
        StreamKitClient viaBalancer = StreamKitClient.builder().target("127.0.0.1:" + balancer.port()).build();
        Subscription s = viaBalancer.subscribe(List.of(TopicStart.oldest("handover")), STRICT)) {
      publish(clients.get(2), "handover", numbered("h", 1, 25));
      assertThat(take(s, 25)).extracting(Event::getOffset).isEqualTo(range(1, 25));

      doomed.kill(); // SIGKILL
      balancer.retarget(servers.get(1).port());
      publish(clients.get(2), "handover", numbered("h", 26, 50));

      expectNext(s, "h", 26, 50);
      assertNothingMore(s);
    }
  }
}
