package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import io.streamkit.server.broker.redis.RedisBroker;
import io.streamkit.testing.RedisProcess;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Publish-to-deliver latency across instances: events published on instance A reach a subscriber on instance B
 * (both on one real redis-server, AOF on) within bounds that hold on a busy shared machine yet fail when delivery
 * waits for a timer instead of the event. The reader's blocking read lasts up to a second and its periodic check
 * comes once a second, so a delivery that waited for either would take half a second on average. One event at a
 * time (the next is published once the last arrived, then a pause), so no backlog can build on a starved machine
 * and each sample is the path's own latency. The speed target (p99 at most 5 ms at 1,000 events/s) is measured by
 * {@code benchmarks/} on a quiet machine, not here.
 */
@Timeout(120)
class CrossInstanceLatencyTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int WARM_UP_EVENTS = 100;
  private static final int MEASURED_EVENTS = 200;

  @Test
  void eventsPublishedOnOneInstanceReachASubscriberOnAnotherWithinMilliseconds() throws Exception {
    try (RedisProcess redis = RedisProcess.start(true);
        RedisBroker brokerA = RedisBroker.builder().uri(redis.uri()).build();
        RedisBroker brokerB = RedisBroker.builder().uri(redis.uri()).build();
        StreamKitServer a = server(StreamKitServer.builder().broker(brokerA));
        StreamKitServer b = server(StreamKitServer.builder().broker(brokerB));
        StreamKitClient publisher = StreamKitClient.builder().target("127.0.0.1:" + a.port()).build();
        StreamKitClient subscriber = StreamKitClient.builder().target("127.0.0.1:" + b.port()).build();
        Subscription s = subscriber.subscribe(List.of(TopicStart.oldest("latency")))) {
      // B's reader registers the subscription a turn after the request: the first event proves it is in place.
      publisher.publish("latency", stamp()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      long previous = s.next(WAIT).getOffset();

      long[] micros = new long[MEASURED_EVENTS];
      long[] fromBroker = new long[MEASURED_EVENTS];
      for (int i = 0; i < WARM_UP_EVENTS + MEASURED_EVENTS; i++) {
        Thread.sleep(5);
        CompletableFuture<PublishAck> ack = publisher.publish("latency", stamp());
        Event e = s.next(WAIT);
        long now = System.nanoTime();
        Instant at = Instant.now();
        ack.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(e.getOffset()).as("offsets arrive contiguous").isEqualTo(previous + 1);
        previous = e.getOffset();
        if (i >= WARM_UP_EVENTS) { // the warm-up lets the JIT compile both instances' paths first
          micros[i - WARM_UP_EVENTS] = (now - e.getPayload().asReadOnlyByteBuffer().getLong()) / 1000;
          fromBroker[i - WARM_UP_EVENTS] = (at.getEpochSecond() - e.getPublishedAt().getSeconds()) * 1_000_000
              + (at.getNano() - e.getPublishedAt().getNanos()) / 1000;
        }
      }

      Arrays.sort(micros);
      Arrays.sort(fromBroker);
      long p50 = micros[MEASURED_EVENTS / 2];
      long p99 = micros[MEASURED_EVENTS * 99 / 100];
      System.out.printf("cross-instance publish-to-deliver, one event at a time: p50 %d us, p99 %d us, max %d us;"
          + " from A's broker (published_at) to delivery: p50 %d us, p99 %d us%n", p50, p99,
          micros[MEASURED_EVENTS - 1], fromBroker[MEASURED_EVENTS / 2], fromBroker[MEASURED_EVENTS * 99 / 100]);
      assertThat(p50).as("median publish-to-deliver latency (us) across instances").isLessThan(200_000);
      assertThat(p99).as("99th percentile publish-to-deliver latency (us) across instances").isLessThan(900_000);
    }
  }

  /** A payload holding the publisher's {@code System.nanoTime()} (this JVM's clock, as the subscriber's). */
  private static ByteString stamp() {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(0, System.nanoTime()));
  }

  private static StreamKitServer server(StreamKitServer.Builder builder) {
    return builder.settings(o -> o.host("127.0.0.1").port(0).shutdownGracePeriod(Duration.ZERO)).build().start();
  }
}
