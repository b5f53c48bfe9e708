package io.streamkit.server.internal.broker;

import io.streamkit.testing.TestThreads;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.RecordingSink;
import io.streamkit.server.broker.TopicEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The cursor at its boundary: a TopicHistory written by one thread, sinks that are ready or not, resumes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CursorTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final ByteString PAYLOAD = ByteString.copyFromUtf8("x");

  private static void publish(TopicHistory history, int n, Instant at) {
    for (int i = 0; i < n; i++) {
      history.publish(PAYLOAD, Map.of(), at);
    }
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  void aResumeAfterRetentionTrimmedTheCursorsNextEventsContinuesAtTheOldestRetainedOneShowingTheGap() {
    TopicHistory history = new TopicHistory("t", "e1", 100);
    RecordingSink sink = new RecordingSink();
    Cursor cursor = history.subscribe(Position.after(0, ""), sink, 1_000);
    publish(history, 2, T0);
    sink.ready = false;
    publish(history, 8, T0.plusSeconds(10)); // 3..10, not delivered yet

    history.trim(6, T0); // drops 3, 4 and 5 while the cursor waits at 3
    sink.ready = true;
    cursor.resume();

    assertThat(sink.offsets()).containsExactly(1L, 2L, 6L, 7L, 8L, 9L, 10L);
    assertThat(sink.ends).isEmpty();
  }

  @Test
  void resumesRacingTrimsAndAppendsDeliverEachOffsetOnceInOrderEndingAtTheLast() throws Exception {
    TopicHistory history = new TopicHistory("t", "e1", 64);
    RecordingSink sink = new RecordingSink() {
      @Override
      public boolean isReady() {
        return ThreadLocalRandom.current().nextInt(3) != 0;
      }
    };
    Cursor cursor = history.subscribe(Position.after(0, ""), sink, Long.MAX_VALUE);
    AtomicBoolean done = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      threads.add(new Thread(() -> {
        while (!done.get()) {
          cursor.resume(); // as the sink's onReady would, from its event loop
        }
      }));
    }
    threads.add(new Thread(() -> {
      while (!done.get()) {
        long last = history.last();
        history.trim(last - ThreadLocalRandom.current().nextInt(40), T0); // retention by count, racing resumes
      }
    }));
    threads.forEach(Thread::start);
    int events = 50_000;
    for (int i = 0; i < events; i++) {
      history.publish(PAYLOAD, Map.of(), T0.plusSeconds(1));
    }
    done.set(true);
    TestThreads.join(java.time.Duration.ofSeconds(30), threads);
    for (int tries = 0; tries < 1_000 && !sink.offsets().contains((long) events); tries++) {
      cursor.resume(); // the sink says "not ready" a third of the time: each resume tries again
    }

    List<Long> offsets = sink.offsets();
    assertThat(offsets).last().isEqualTo((long) events);
    for (int i = 1; i < offsets.size(); i++) {
      assertThat(offsets.get(i)).as("offset after %d", offsets.get(i - 1)).isGreaterThan(offsets.get(i - 1));
    }
    assertThat(sink.ends).isEmpty();
  }

  @Test
  void anotherEpochMakesTheCursorStartOverAtItsOldestEventEvenWhileWaitingPastItsLastOffset() {
    TopicHistory history = new TopicHistory("t", "", 100);
    history.reset("e1", 0);
    for (long o = 1; o <= 5; o++) {
      history.append(TopicEvent.of("t", o, "e1", PAYLOAD, Map.of(), T0));
    }
    RecordingSink sink = new RecordingSink();
    Cursor cursor = history.subscribe(Position.after(3, "e1"), sink, 1_000);
    assertThat(sink.offsets()).containsExactly(4L, 5L);

    history.reset("e2", 1); // Redis lost the history; the new one begins with offset 2 retained
    history.append(TopicEvent.of("t", 2, "e2", PAYLOAD, Map.of(), T0));
    cursor.resume();

    assertThat(sink.events).extracting(e -> e.offset() + "@" + e.epoch())
        .containsExactly("4@e1", "5@e1", "2@e2");
  }

  @Test
  void aSubscriberPastTheLagLimitIsEndedWithSubscriberTooSlowNamingWhereToResume() {
    TopicHistory history = new TopicHistory("t", "e1", 100);
    RecordingSink sink = new RecordingSink();
    publish(history, 3, T0);
    Cursor cursor = history.subscribe(Position.live(), sink, 5);
    sink.ready = false;
    publish(history, 6, T0);
    cursor.resume();

    assertThat(sink.ends).singleElement().satisfies(s -> {
      assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(ErrorDetails.reason(s)).isEqualTo(ErrorReason.SUBSCRIBER_TOO_SLOW);
      assertThat(s.getDescription()).contains("6 events behind").contains("resume after offset 3 of epoch e1");
    });
    assertThat(history.subscriberCount()).isZero();
    cursor.end(Status.UNAVAILABLE); // already ended: no second onEnd
    assertThat(sink.ends).hasSize(1);
  }

  @Test
  void aRetiredHistoryTakesNoPublishOrSubscriptionSoItsOwnerBeginsANewOne() {
    TopicHistory history = new TopicHistory("t", "e1", 100);
    Cursor cursor = history.subscribe(Position.live(), new RecordingSink(), 10);
    assertThat(history.retireIfUnused(false)).isFalse();
    cursor.cancel();
    publish(history, 1, T0);
    assertThat(history.retireIfUnused(true)).as("an event is retained").isFalse();
    assertThat(history.retireIfUnused(false)).isTrue();

    assertThat(history.publish(PAYLOAD, Map.of(), T0)).isNull();
    assertThat(history.subscribe(Position.live(), new RecordingSink(), 10)).isNull();
  }

  @Test
  void theStartRuleFollowsPositionsDocumentation() {
    // oldest 5, last 9, epoch e1
    assertThat(TopicHistory.firstOffset(Position.live(), "e1", 5, 9)).isEqualTo(10);
    assertThat(TopicHistory.firstOffset(Position.after(0, ""), "e1", 5, 9)).isEqualTo(5);
    assertThat(TopicHistory.firstOffset(Position.after(6, "e1"), "e1", 5, 9)).isEqualTo(7);
    assertThat(TopicHistory.firstOffset(Position.after(9, "e1"), "e1", 5, 9)).isEqualTo(10);
    assertThat(TopicHistory.firstOffset(Position.after(2, "e1"), "e1", 5, 9)).as("a gap").isEqualTo(5);
    assertThat(TopicHistory.firstOffset(Position.after(7, "e0"), "e1", 5, 9)).as("another epoch").isEqualTo(5);
    assertThat(TopicHistory.firstOffset(Position.after(12, "e1"), "e1", 5, 9)).as("rolled back").isEqualTo(5);
  }

  @Test
  void eventsDropInOrderFromTheOldestUpToTheFirstYoungerThanTheCutoff() {
    TopicHistory history = new TopicHistory("t", "e1", 100);
    for (int i = 1; i <= 6; i++) {
      history.publish(PAYLOAD, Map.of(), T0.plusSeconds(i));
    }
    assertThat(history.trim(Long.MIN_VALUE, T0.plusSeconds(3))).isEqualTo(3);
    RecordingSink sink = new RecordingSink();
    history.subscribe(Position.after(0, ""), sink, 100);
    assertThat(sink.offsets()).isEqualTo(range(4, 6));
  }
}
