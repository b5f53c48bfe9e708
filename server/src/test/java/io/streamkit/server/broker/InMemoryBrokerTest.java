package io.streamkit.server.broker;

import io.streamkit.testing.TestThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class InMemoryBrokerTest {

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private static void publish(Broker broker, String topic, int n) {
    for (int i = 0; i < n; i++) {
      broker.publish(topic, ByteString.copyFromUtf8("p" + i), Map.of()).join();
    }
  }

  @Test
  void concurrentPublishersGetContiguousOffsetsAndEverySubscriberSeesThemInOrder() throws Exception {
    try (InMemoryBroker broker = InMemoryBroker.builder().build()) {
      RecordingSink recorder = new RecordingSink();
      broker.subscribe("t", Position.live(), recorder);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Thread thread = new Thread(() -> publish(broker, "t", 1000));
        threads.add(thread);
        thread.start();
      }
      TestThreads.join(java.time.Duration.ofSeconds(30), threads);
      assertThat(recorder.events).extracting(TopicEvent::offset)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, 8000).boxed().toList());
    }
  }

  @Test
  void eventsOlderThanTheMaxAgeAreDroppedAndAnIdleTopicStartsANewEpoch() throws Exception {
    ManualClock clock = new ManualClock();
    try (InMemoryBroker broker =
        InMemoryBroker.builder().clock(clock).historyMaxAge(Duration.ofMillis(400)).build()) {
      Published first = broker.publish("t", ByteString.EMPTY, Map.of()).join();
      clock.now = clock.now.plusSeconds(1);
      await().atMost(Duration.ofSeconds(5)).until(() -> broker.head("t") == null);

      Published again = broker.publish("t", ByteString.EMPTY, Map.of()).join();
      assertThat(again.offset()).isEqualTo(1);
      assertThat(again.epoch()).isNotEqualTo(first.epoch());
    }
  }

  @Test
  void aTopicWithASubscriberKeepsItsEpochWhenItsHistoryExpires() throws Exception {
    ManualClock clock = new ManualClock();
    try (InMemoryBroker broker =
        InMemoryBroker.builder().clock(clock).historyMaxAge(Duration.ofMillis(400)).build()) {
      RecordingSink recorder = new RecordingSink();
      broker.subscribe("t", Position.live(), recorder);
      Published first = broker.publish("t", ByteString.EMPTY, Map.of()).join();
      clock.now = clock.now.plusSeconds(1);
      Thread.sleep(500);
      Published second = broker.publish("t", ByteString.EMPTY, Map.of()).join();
      assertThat(second.epoch()).isEqualTo(first.epoch());
      assertThat(second.offset()).isEqualTo(2);

      RecordingSink late = new RecordingSink();
      broker.subscribe("t", Position.after(0, ""), late);
      assertThat(late.events).extracting(TopicEvent::offset).containsExactly(2L); // 1 expired: a visible gap
    }
  }

  @Test
  void aSubscriberThatIsNeverReadyIsEndedOnceItLagsPastTheLimit() {
    try (InMemoryBroker broker = InMemoryBroker.builder().maxSubscriberLag(10).build()) {
      RecordingSink stalled = new RecordingSink();
      stalled.ready = false;
      broker.subscribe("t", Position.live(), stalled);
      publish(broker, "t", 11);
      assertThat(stalled.ends).singleElement().satisfies(s -> {
        assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(s.getDescription()).contains("11 events behind").contains("resume after offset 0");
      });
      assertThat(broker.subscriberCount("t")).isZero();
    }
  }

  @Test
  void invalidTopicNamesFailPublishWithInvalidArgumentAndSubscribeWithIllegalArgument() {
    try (InMemoryBroker broker = InMemoryBroker.builder().build()) {
      assertThatThrownBy(() -> broker.publish("bad topic", ByteString.EMPTY, Map.of()).join())
          .isInstanceOf(CompletionException.class)
          .cause().isInstanceOf(StatusException.class)
          .hasMessageContaining("INVALID_ARGUMENT").hasMessageContaining("'bad topic'");
      assertThatThrownBy(() -> broker.subscribe("", Position.live(), new RecordingSink()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }
  }
}
