package io.streamkit.server.broker.redis;

import io.streamkit.testing.TestThreads;
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
import io.streamkit.testing.RedisProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Redis broker's publish path against a real redis-server: group commit per topic, order, exact acks. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GroupCommitTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final RedisResources resources = new RedisResources();

  @AfterEach
  void closeAll() throws Exception {
    resources.close();
  }

  private RedisProcess redis(boolean appendOnly) throws Exception {
    return resources.redis(appendOnly);
  }

  private RedisBroker broker(RedisProcess redis) {
    RedisBroker b = RedisBroker.builder().uri(redis.uri()).historyMaxEvents(100_000)
        .commandTimeout(Duration.ofSeconds(3)).build();
    resources.add(b);
    return b;
  }

  private static long scriptCalls(RedisProcess redis) throws Exception {
    Matcher m = Pattern.compile("cmdstat_evalsha:calls=(\\d+)").matcher(redis.command("INFO", "commandstats"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** One publisher: its payloads are "name-seq", published without waiting for the previous ack. */
  private record Sent(String topic, int seq, CompletableFuture<Published> ack) {}

  @Test
  void publishersOnThreeInstancesGetContiguousOffsetsInTheirOwnOrderFromFewScriptCalls() throws Exception {
    RedisProcess redis = redis(false);
    List<RedisBroker> brokers = List.of(broker(redis), broker(redis), broker(redis));
    List<String> topics = List.of("g0", "g1", "g2", "g3");
    Map<String, List<Sent>> byPublisher = new ConcurrentHashMap<>();
    List<Thread> threads = new ArrayList<>();
    int perPublisher = 2_000;
    long callsBefore = scriptCalls(redis);
    for (int b = 0; b < brokers.size(); b++) {
      for (int p = 0; p < 3; p++) {
        RedisBroker broker = brokers.get(b);
        String name = "b" + b + "p" + p;
        threads.add(new Thread(() -> {
          List<Sent> sent = new ArrayList<>();
          for (int seq = 0; seq < perPublisher; seq++) {
            String topic = topics.get(seq % topics.size());
            sent.add(new Sent(topic, seq,
                broker.publish(topic, ByteString.copyFromUtf8(name + "-" + seq), Map.of())));
          }
          byPublisher.put(name, sent);
        }));
      }
    }
    threads.forEach(Thread::start);
    TestThreads.join(java.time.Duration.ofSeconds(30), threads);

    Map<String, List<Long>> offsetsPerTopic = new HashMap<>();
    Map<String, String> payloadAt = new HashMap<>();
    for (Map.Entry<String, List<Sent>> publisher : byPublisher.entrySet()) {
      Map<String, Long> lastPerTopic = new HashMap<>();
      for (Sent s : publisher.getValue()) {
        Published ack = s.ack().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Long before = lastPerTopic.put(s.topic(), ack.offset());
        assertThat(before == null || before < ack.offset())
            .as("%s's event %d on %s came after its earlier one (%s < %d)", publisher.getKey(), s.seq(), s.topic(),
                before, ack.offset())
            .isTrue();
        offsetsPerTopic.computeIfAbsent(s.topic(), t -> new ArrayList<>()).add(ack.offset());
        payloadAt.put(s.topic() + "@" + ack.offset(), publisher.getKey() + "-" + s.seq());
      }
    }
    int perTopic = 9 * perPublisher / topics.size();
    for (String topic : topics) {
      assertThat(offsetsPerTopic.get(topic).stream().sorted().toList())
          .as("offsets of %s", topic).isEqualTo(LongStream.rangeClosed(1, perTopic).boxed().toList());
    }
    long calls = scriptCalls(redis) - callsBefore;
    assertThat(calls).as("script calls for %d events", 9 * perPublisher).isLessThan(9 * perPublisher / 4);
    long entries = 0;
    for (String topic : topics) {
      Matcher xlen = Pattern.compile(":(\\d+)").matcher(redis.command("XLEN", "streamkit:{" + topic + "}:s"));
      assertThat(xlen.find()).isTrue();
      entries += Long.parseLong(xlen.group(1));
    }
    assertThat(entries).as("stream entries: one per stored batch, not per event").isLessThanOrEqualTo(calls);

    // What a subscriber on any instance reads is what the acknowledgements said.
    RecordingSink reader = new RecordingSink();
    brokers.get(2).subscribe("g1", Position.after(0, ""), reader);
    await().atMost(WAIT).until(() -> reader.events.size() == perTopic);
    for (TopicEvent e : reader.events) {
      assertThat(e.event().getPayload().toStringUtf8()).isEqualTo(payloadAt.get("g1@" + e.offset()));
    }
  }

  @Test
  void redisKilledWhileBatchesAreInFlightLosesNothingAcknowledgedAndEachFailureSaysWhetherItWasStored()
      throws Exception {
    RedisProcess redis = redis(true);
    RedisBroker publisher = broker(redis);
    List<Sent> sent = new ArrayList<>();
    AtomicInteger settled = new AtomicInteger();
    int seq = 0;
    for (; seq < 1_000_000 && settled.get() < 3_000; seq++) {
      CompletableFuture<Published> ack = publisher.publish("k", ByteString.copyFromUtf8("e" + seq), Map.of());
      ack.whenComplete((p, e) -> settled.incrementAndGet());
      sent.add(new Sent("k", seq, ack));
      if (seq % 200 == 0) {
        Thread.sleep(1); // keep a queue behind the batch in flight, not a flood
      }
    }
    redis.kill(); // with batches in flight and more queued behind them
    for (int i = 0; i < 500; i++, seq++) {
      sent.add(new Sent("k", seq, publisher.publish("k", ByteString.copyFromUtf8("e" + seq), Map.of())));
    }
    Map<Long, String> acked = new HashMap<>();
    List<String> notStored = new ArrayList<>();
    int unconfirmed = 0;
    for (Sent s : sent) {
      try {
        acked.put(s.ack().get(WAIT.toSeconds(), TimeUnit.SECONDS).offset(), "e" + s.seq());
      } catch (ExecutionException e) {
        Status status = Status.fromThrowable(e.getCause());
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).contains("Redis at 127.0.0.1:" + redis.port());
        ErrorReason reason = ErrorDetails.reason(status);
        assertThat(reason).isIn(ErrorReason.BROKER_UNAVAILABLE, ErrorReason.PUBLISH_UNCONFIRMED);
        if (reason == ErrorReason.BROKER_UNAVAILABLE) {
          notStored.add("e" + s.seq());
        } else {
          unconfirmed++;
        }
      }
    }
    assertThat(acked).hasSizeGreaterThanOrEqualTo(3_000);
    assertThat(notStored).isNotEmpty();

    redis.startAgain();
    RedisBroker reader = broker(redis);
    RecordingSink stored = new RecordingSink();
    reader.subscribe("k", Position.after(0, ""), stored);
    long last = acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
    await().atMost(WAIT).until(() -> !stored.events.isEmpty()
        && stored.events.get(stored.events.size() - 1).offset() >= last);
    Thread.sleep(300); // events stored but not acknowledged would follow now

    Map<Long, String> inRedis = new HashMap<>();
    for (TopicEvent e : stored.events) {
      inRedis.put(e.offset(), e.event().getPayload().toStringUtf8());
    }
    assertThat(inRedis).as("every acknowledged event survived the kill").containsAllEntriesOf(acked);
    assertThat(inRedis.values()).as("events failed as not stored").doesNotContainAnyElementsOf(notStored);
    assertThat(inRedis.size() - acked.size()).as("stored without acknowledgement").isLessThanOrEqualTo(unconfirmed);
    List<Integer> order = stored.events.stream()
        .map(e -> Integer.parseInt(e.event().getPayload().toStringUtf8().substring(1))).toList();
    assertThat(order).as("stored in publish order").isSorted();
  }

  @Test
  void redisFedSubscribersAreDeliveredOnTheirOwnExecutor() throws Exception {
    RedisProcess redis = redis(false);
    RedisBroker a = broker(redis);
    RedisBroker b = broker(redis);
    ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "event-loop-1"));
    resources.add(loop::shutdownNow);
    RecordingSink onLoop = new RecordingSink(loop);
    b.subscribe("loop", Position.live(), onLoop);
    await().atMost(WAIT).until(() -> b.subscriberCount("loop") == 1);
    for (int i = 0; i < 50; i++) {
      a.publish("loop", ByteString.copyFromUtf8("x" + i), Map.of()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    await().atMost(WAIT).until(() -> onLoop.events.size() == 50);
    assertThat(onLoop.offsets()).isEqualTo(LongStream.rangeClosed(1, 50).boxed().toList());
    assertThat(onLoop.threads).containsOnly("event-loop-1");
  }

  @Test
  void eventsOlderThanTheMaximumAgeLeaveRedisWithoutAnySubscriberAndYoungerOnesStay() throws Exception {
    RedisProcess redis = redis(false);
    RedisBroker publisher = RedisBroker.builder().uri(redis.uri()).historyMaxAge(Duration.ofSeconds(2)).build();
    resources.add(publisher);
    for (int i = 0; i < 3; i++) {
      publisher.publish("aging", ByteString.copyFromUtf8("old" + i), Map.of()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    assertThat(redis.command("XLEN", "streamkit:{aging}:s")).contains(":3");

    await().atMost(WAIT).until(() -> redis.command("XLEN", "streamkit:{aging}:s").contains(":0"));
    Published fresh = publisher.publish("aging", ByteString.copyFromUtf8("fresh"), Map.of())
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(fresh.offset()).isEqualTo(4);
    assertThat(redis.command("XLEN", "streamkit:{aging}:s")).contains(":1");
  }
}
