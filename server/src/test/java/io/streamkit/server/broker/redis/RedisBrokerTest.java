package io.streamkit.server.broker.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusException;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.RecordingSink;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.testing.RedisProcess;
import io.streamkit.testing.TcpProxy;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RedisBrokerTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final RedisResources resources = new RedisResources();

  @AfterEach
  void closeAll() throws Exception {
    resources.close();
  }

  private RedisProcess redis(boolean appendOnly) throws Exception {
    return resources.redis(appendOnly);
  }

  private RedisBroker broker(RedisProcess redis, int maxEvents) {
    RedisBroker b = RedisBroker.builder().uri(redis.uri()).historyMaxEvents(maxEvents)
        .commandTimeout(Duration.ofSeconds(2)).build();
    resources.add(b);
    return b;
  }

  private static Published publish(RedisBroker b, String topic, String payload) throws Exception {
    return b.publish(topic, ByteString.copyFromUtf8(payload), Map.of()).get(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  /**
   * Publishes {@code prefix}1..{@code n} to topic "t" through {@code publisher}, waits until {@code r} (empty before)
   * holds all {@code n}, and returns their epoch.
   */
  private static String publishAndAwait(RedisBroker publisher, String prefix, int n, RecordingSink r)
      throws Exception {
    String epoch = "";
    for (int i = 1; i <= n; i++) {
      epoch = publish(publisher, "t", prefix + i).epoch();
    }
    await().atMost(WAIT).until(() -> r.events.size() == n);
    return epoch;
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  void twoInstancesPublishingConcurrentlyGetContiguousOffsetsAndEverySubscriberGetsAllInOrder() throws Exception {
    RedisProcess redis = redis(false);
    RedisBroker a = broker(redis, 10_000);
    RedisBroker b = broker(redis, 10_000);
    RecordingSink onA = new RecordingSink();
    RecordingSink onB = new RecordingSink();
    a.subscribe("orders", Position.after(0, ""), onA);
    b.subscribe("orders", Position.after(0, ""), onB);

    List<CompletableFuture<Published>> acks = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      acks.add(a.publish("orders", ByteString.copyFromUtf8("a" + i), Map.of()));
      acks.add(b.publish("orders", ByteString.copyFromUtf8("b" + i), Map.of()));
    }
    List<Long> acked = new ArrayList<>();
    for (CompletableFuture<Published> f : acks) {
      acked.add(f.get().offset());
    }
    assertThat(acked).doesNotHaveDuplicates().hasSize(600);
    assertThat(acked.stream().sorted().toList()).isEqualTo(range(1, 600));

    await().atMost(WAIT).until(() -> onA.events.size() == 600 && onB.events.size() == 600);
    assertThat(onA.offsets()).isEqualTo(range(1, 600));
    assertThat(onB.offsets()).isEqualTo(range(1, 600));
    assertThat(onA.payloads()).isEqualTo(onB.payloads());
    assertThat(onA.events.stream().map(TopicEvent::epoch).distinct()).hasSize(1);
  }

  @Test
  void positionsFollowTheInMemoryRules() throws Exception {
    RedisProcess redis = redis(false);
    RedisBroker a = broker(redis, 10_000);
    String epoch = "";
    for (int i = 1; i <= 10; i++) {
      epoch = publish(a, "news", "n" + i).epoch();
    }
    RedisBroker b = broker(redis, 10_000);
    RecordingSink afterFour = new RecordingSink();
    RecordingSink staleEpoch = new RecordingSink();
    RecordingSink live = new RecordingSink();
    b.subscribe("news", Position.after(4, epoch), afterFour);
    b.subscribe("news", Position.after(7, "some-old-epoch"), staleEpoch);
    b.subscribe("news", Position.live(), live);
    await().atMost(WAIT).until(() -> b.subscriberCount("news") == 3);
    publish(a, "news", "n11");

    await().atMost(WAIT).until(() -> afterFour.events.size() == 7 && staleEpoch.events.size() == 11
        && live.events.size() == 1);
    assertThat(afterFour.offsets()).isEqualTo(range(5, 11));
    assertThat(staleEpoch.offsets()).isEqualTo(range(1, 11));
    assertThat(live.offsets()).containsExactly(11L);
  }

  @Test
  void retentionTrimmingShowsUpAsAGapInTheOffsets() throws Exception {
    RedisProcess redis = redis(false);
    RedisBroker a = broker(redis, 5);
    String epoch = "";
    for (int i = 1; i <= 20; i++) {
      epoch = publish(a, "metrics", "m" + i).epoch();
    }
    RecordingSink r = new RecordingSink();
    broker(redis, 5).subscribe("metrics", Position.after(3, epoch), r);
    await().atMost(WAIT).until(() -> r.events.size() == 5);
    assertThat(r.offsets()).isEqualTo(range(16, 20));
    assertThat(redis.command("XLEN", "streamkit:{metrics}:s")).contains(":5");
  }

  @Test
  void eventsOlderThanTheMaximumAgeAreTrimmedAndShowUpAsAGap() throws Exception {
    RedisProcess redis = redis(false);
    RedisBroker a = RedisBroker.builder().uri(redis.uri()).historyMaxAge(Duration.ofMillis(500)).build();
    resources.add(a);
    String epoch = "";
    for (int i = 1; i <= 3; i++) {
      epoch = publish(a, "ticks", "old" + i).epoch();
    }
    Thread.sleep(600); // setup, not an assertion: let the three events age past the limit

    RecordingSink r = new RecordingSink();
    RedisBroker b = RedisBroker.builder().uri(redis.uri()).historyMaxAge(Duration.ofMillis(500)).build();
    resources.add(b);
    b.subscribe("ticks", Position.after(1, epoch), r); // wants 2 and 3: gone
    await().atMost(WAIT).until(() -> b.subscriberCount("ticks") == 1);
    publish(a, "ticks", "fresh");
    await().atMost(WAIT).until(() -> r.events.size() == 1);
    assertThat(r.offsets()).containsExactly(4L);
    assertThat(r.events.get(0).epoch()).isEqualTo(epoch);
  }

  @Test
  void whileRedisIsDownPublishFailsUnavailableAndSubscriptionsResumeWithNothingLost() throws Exception {
    RedisProcess redis = redis(true);
    RedisBroker a = broker(redis, 10_000);
    RedisBroker b = broker(redis, 10_000);
    List<Boolean> health = new CopyOnWriteArrayList<>();
    b.watchAvailability((up, why) -> health.add(up));
    RecordingSink r = new RecordingSink();
    b.subscribe("t", Position.after(0, ""), r);
    for (int i = 1; i <= 5; i++) {
      publish(a, "t", "e" + i);
    }
    await().atMost(WAIT).until(() -> r.events.size() == 5);

    redis.kill();
    assertThatThrownBy(() -> publish(a, "t", "lost"))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(StatusException.class)
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE))
        .hasMessageContaining("Redis at 127.0.0.1:" + redis.port());
    await().atMost(WAIT).until(() -> health.get(health.size() - 1).equals(false));

    redis.startAgain();
    AtomicBoolean stored = new AtomicBoolean();
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      publish(a, "t", "e6");
      stored.set(true);
      return true;
    });
    for (int i = 7; i <= 10; i++) {
      publish(a, "t", "e" + i);
    }
    await().atMost(WAIT).until(() -> r.events.size() >= 10);
    assertThat(r.offsets()).isEqualTo(range(1, 10));
    assertThat(r.payloads()).containsExactly("e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10");
    assertThat(r.events.stream().map(TopicEvent::epoch).distinct()).hasSize(1);
    await().atMost(WAIT).until(() -> health.get(health.size() - 1).equals(true));
    assertThat(health).containsSubsequence(true, false, true);
  }

  @Test
  void aRedisRestartWithoutPersistenceBeginsANewEpochThatEverySubscriberSees() throws Exception {
    RedisProcess redis = redis(false);
    RedisBroker a = broker(redis, 10_000);
    RedisBroker b = broker(redis, 10_000);
    RecordingSink r = new RecordingSink();
    b.subscribe("t", Position.after(0, ""), r);
    String first = publishAndAwait(a, "old", 5, r);

    redis.kill();
    redis.startAgain();
    await().atMost(WAIT).ignoreExceptions().until(() -> publish(a, "t", "new1") != null);
    publish(a, "t", "new2");

    await().atMost(WAIT).until(() -> r.events.size() == 7);
    assertThat(r.payloads()).containsExactly("old1", "old2", "old3", "old4", "old5", "new1", "new2");
    TopicEvent fresh = r.events.get(5);
    assertThat(fresh.epoch()).isNotEqualTo(first);
    assertThat(fresh.offset()).isEqualTo(1);
  }

  @Test
  void aRestartFromAnOlderSnapshotIsANewEpochNotReusedOffsets() throws Exception {
    RedisProcess redis = redis(false);
    RedisBroker a = broker(redis, 10_000);
    RecordingSink r = new RecordingSink();
    a.subscribe("t", Position.after(0, ""), r);
    String first = "";
    for (int i = 1; i <= 3; i++) {
      first = publish(a, "t", "kept" + i).epoch();
    }
    redis.snapshot(); // dump.rdb holds offsets 1..3
    for (int i = 4; i <= 6; i++) {
      publish(a, "t", "lost" + i);
    }
    await().atMost(WAIT).until(() -> r.events.size() == 6);

    redis.kill();
    redis.startAgain(); // back at offset 3 of the same epoch
    await().atMost(WAIT).ignoreExceptions().until(() -> publish(a, "t", "after") != null);

    await().atMost(WAIT).until(() -> r.events.size() == 7);
    TopicEvent after = r.events.get(6);
    assertThat(after.event().getPayload().toStringUtf8()).isEqualTo("after");
    assertThat(after.epoch()).isNotEqualTo(first); // a reset, not offset 4 of the old epoch again
  }

  /**
   * The events an instance caught up on after a disconnection (its reader's check reads them with XRANGE, not with
   * its blocking XREAD) count as seen: when Redis then comes back from an older snapshot, the instance's next
   * publish begins a new epoch instead of storing under offsets its subscribers already hold (which a later check
   * would have deleted with the whole history, acknowledged publish included).
   */
  @Test
  void eventsCaughtUpOnAfterADisconnectionCountAsSeenWhenRedisRollsBack() throws Exception {
    RedisProcess redis = redis(false);
    TcpProxy link = new TcpProxy(redis.port());
    resources.add(link);
    RedisBroker a = RedisBroker.builder().uri("redis://127.0.0.1:" + link.port())
        .commandTimeout(Duration.ofSeconds(2)).build();
    resources.add(a);
    RedisBroker b = broker(redis, 10_000);
    RecordingSink r = new RecordingSink();
    a.subscribe("t", Position.after(0, ""), r);
    String first = publishAndAwait(b, "kept", 3, r);
    redis.snapshot(); // dump.rdb holds offsets 1..3

    int nowhere;
    try (ServerSocket s = new ServerSocket(0)) {
      nowhere = s.getLocalPort();
    }
    link.retarget(nowhere); // instance A loses Redis while B publishes
    link.dropConnections();
    for (int i = 4; i <= 6; i++) {
      publish(b, "t", "lost" + i);
    }
    link.retarget(redis.port()); // A's reader reconnects; its first check catches up on 4..6
    await().atMost(WAIT).until(() -> r.events.size() == 6);

    // A loses Redis again for long enough that its reader backs off to a 1 s wait; Redis comes back at offset 3 of
    // the same epoch; A's first publish then reaches it before A's reader checks the topic (which would see the
    // rollback by itself, from its mirror).
    link.retarget(nowhere);
    link.dropConnections();
    redis.kill();
    redis.startAgain();
    Thread.sleep(3000);
    link.retarget(redis.port());
    Published after = await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
        .until(() -> publish(a, "t", "after"), p -> p != null);

    assertThat(after.epoch()).as("A saw offset 6, Redis holds 3: a new epoch").isNotEqualTo(first);
    await().atMost(WAIT).until(() -> r.events.size() == 7);
    assertThat(r.events.get(6).event().getPayload().toStringUtf8()).isEqualTo("after");
    assertThat(r.events.get(6).epoch()).isEqualTo(after.epoch());
  }

  @Test
  void aBatchStoredAsOneEntryAcrossTheCountLimitKeepsExactlyTheNewestEvents() throws Exception {
    RedisProcess redis = redis(false);
    RedisBroker a = broker(redis, 5);
    List<CompletableFuture<Published>> acks = new ArrayList<>();
    for (int i = 1; i <= 40; i++) { // not awaited: they join a few batches, each one stream entry
      acks.add(a.publish("packed", ByteString.copyFromUtf8("p" + i), Map.of()));
    }
    String epoch = "";
    for (CompletableFuture<Published> ack : acks) {
      epoch = ack.get(10, java.util.concurrent.TimeUnit.SECONDS).epoch();
    }
    assertThat(redis.command("XLEN", "streamkit:{packed}:s"))
        .as("the last batch's entry holds more than the 5 retained events").contains(":1");
    assertThat(redis.command("HGET", "streamkit:{packed}:m", "oldest")).contains("36");

    RecordingSink fromStart = new RecordingSink();
    broker(redis, 5).subscribe("packed", Position.after(0, epoch), fromStart);
    await().atMost(WAIT).until(() -> fromStart.events.size() == 5);
    assertThat(fromStart.offsets()).isEqualTo(range(36, 40));
    assertThat(fromStart.events.get(0).event().getPayload().toStringUtf8()).isEqualTo("p36");
  }

  @Test
  void aTopicStoredOneEntryPerEventByAnEarlierVersionIsReadAndContinued() throws Exception {
    RedisProcess redis = redis(false);
    io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redis.uri());
    try (var c = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
      byte[] stream = "streamkit:{old}:s".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      for (int i = 1; i <= 3; i++) { // the layout before group commit packed batches: fields e, t, b
        byte[] body = io.streamkit.api.v1.Event.newBuilder().setPayload(ByteString.copyFromUtf8("old" + i))
            .setPublishedAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(System.currentTimeMillis() / 1000))
            .build().toByteArray();
        c.sync().xadd(stream, new io.lettuce.core.XAddArgs().id(i + "-0"),
            Map.of("e".getBytes(), "E0".getBytes(), "t".getBytes(), "1".getBytes(), "b".getBytes(), body));
      }
      c.sync().hset("streamkit:{old}:m".getBytes(),
          Map.of("epoch".getBytes(), "E0".getBytes(), "last".getBytes(), "3".getBytes()));
    } finally {
      client.shutdown();
    }
    RedisBroker a = broker(redis, 10_000);
    RecordingSink fromStart = new RecordingSink();
    a.subscribe("old", Position.after(0, ""), fromStart);
    await().atMost(WAIT).until(() -> fromStart.events.size() == 3);

    Published next = publish(broker(redis, 10_000), "old", "new4");
    assertThat(next.epoch()).isEqualTo("E0");
    assertThat(next.offset()).isEqualTo(4);
    await().atMost(WAIT).until(() -> fromStart.events.size() == 4);
    assertThat(fromStart.offsets()).isEqualTo(range(1, 4));
    assertThat(fromStart.events).extracting(e -> e.event().getPayload().toStringUtf8())
        .containsExactly("old1", "old2", "old3", "new4");
    assertThat(redis.command("HGET", "streamkit:{old}:m", "oldest")).contains("1");
  }
}
