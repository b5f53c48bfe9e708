package io.streamkit.it;

import io.streamkit.testing.TestThreads;
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
import io.streamkit.api.v1.Event;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.SubscribeOptions;
import io.streamkit.client.Subscription;
import io.streamkit.client.SubscriptionGapException;
import io.streamkit.client.TopicStart;
import io.streamkit.testing.RedisProcess;
import io.streamkit.testing.ServerProcess;
import io.streamkit.testing.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
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
  private static final List<ServerProcess> servers = new ArrayList<>();
  private static final List<StreamKitClient> clients = new ArrayList<>();

  @BeforeAll
  static void startRedisAndThreeServers() throws Exception {
    redis = RedisProcess.start(true);
    for (int i = 0; i < 3; i++) {
      ServerProcess s = ServerProcess.start("--broker", "redis", "--redis-uri", redis.uri(),
          "--redis-timeout", "2s", "--history-max-events", "150");
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
    if (redis != null) {
      redis.close();
    }
  }

  /** Publishes {@code payloads} in one Publish call, retrying the call while the server or Redis is away. */
  private static void publish(StreamKitClient client, String topic, List<String> payloads) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try (EventPublisher publisher = client.publisher()) {
        for (String p : payloads) {
          publisher.publish(topic, ByteString.copyFromUtf8(p));
        }
        assertThat(publisher.complete().getCount()).isEqualTo(payloads.size());
        return;
      } catch (StreamKitException e) {
        // Only retried when nothing was stored: Redis refused the first event (it was down) or the server is gone.
        boolean nothingStored = e.status().getCode() == Status.Code.UNAVAILABLE
            && String.valueOf(e.status().getDescription()).contains("the 0 event(s) before it were published");
        if (!nothingStored || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private static List<String> names(String prefix, int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(prefix + i);
    }
    return out;
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
    assertThat(got).extracting(e -> e.getPayload().toStringUtf8()).isEqualTo(names(prefix, from, to));
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
            publish(c, "fanout", names(who, batch * 10 + 1, batch * 10 + 10));
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
        assertThat(payloads.stream().filter(x -> x.startsWith(who)).toList()).isEqualTo(names(who, 1, 40));
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
    publish(clients.get(0), "trimmed", names("t", 1, 200)); // the servers keep 150 per topic
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
    publish(clients.get(0), "durable", names("d", 1, 30));
    for (Subscription s : subs) {
      assertThat(take(s, 30)).extracting(Event::getOffset).isEqualTo(range(1, 30));
    }

    redis.kill();
    await().atMost(WAIT).until(() -> health(servers.get(1)) == ServingStatus.NOT_SERVING);
    assertThatThrownBy(() -> {
      try (EventPublisher p = clients.get(2).publisher()) {
        p.publish("durable", ByteString.copyFromUtf8("refused"));
        p.complete();
      }
    }).isInstanceOfSatisfying(StreamKitException.class,
        e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

    redis.startAgain(); // appendonly yes: the AOF brings back every acknowledged event
    publish(clients.get(2), "durable", names("d", 31, 60));
    await().atMost(WAIT).until(() -> health(servers.get(1)) == ServingStatus.SERVING);

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
    publish(clients.get(0), "volatile", names("v", 1, 20));
    String oldEpoch = null;
    for (Subscription s : subs) {
      List<Event> got = take(s, 20);
      assertThat(got).extracting(Event::getOffset).isEqualTo(range(1, 20));
      oldEpoch = got.get(0).getEpoch();
    }

    redis.kill();
    redis.startAgain(false, true); // everything Redis held is gone
    publish(clients.get(1), "volatile", names("w", 1, 10));

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
    publish(clients.get(0), "snapshot", names("s", 1, 10));
    redis.snapshot(); // dump.rdb: offsets 1..10
    publish(clients.get(0), "snapshot", names("s", 11, 20));
    String oldEpoch = null;
    for (Subscription s : subs) {
      List<Event> got = take(s, 20);
      assertThat(got).extracting(Event::getOffset).isEqualTo(range(1, 20));
      oldEpoch = got.get(0).getEpoch();
    }

    redis.kill();
    redis.startAgain(false, false); // loads dump.rdb: the same epoch, last offset 10
    publish(clients.get(2), "snapshot", names("x", 1, 5));

    for (Subscription s : subs) {
      String expectedOld = oldEpoch;
      assertThatThrownBy(() -> s.next(WAIT))
          .isInstanceOfSatisfying(SubscriptionGapException.class, gap -> {
            assertThat(gap.isReset()).isTrue();
            assertThat(gap.oldEpoch()).isEqualTo(expectedOld);
            assertThat(gap.newEpoch()).isNotEqualTo(expectedOld);
          });
      List<Event> fresh = take(s, 5);
      assertThat(fresh).extracting(e -> e.getPayload().toStringUtf8()).isEqualTo(names("x", 1, 5));
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
      publish(clients.get(2), "handover", names("h", 1, 25));
      assertThat(take(s, 25)).extracting(Event::getOffset).isEqualTo(range(1, 25));

      doomed.kill(); // SIGKILL
      balancer.retarget(servers.get(1).port());
      publish(clients.get(2), "handover", names("h", 26, 50));

      expectNext(s, "h", 26, 50);
      assertNothingMore(s);
    }
  }
}
