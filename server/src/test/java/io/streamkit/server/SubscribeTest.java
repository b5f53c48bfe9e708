package io.streamkit.server;

import io.streamkit.testing.TestThreads;
import static io.streamkit.server.PushFixtures.after;
import static io.streamkit.server.PushFixtures.event;
import static io.streamkit.server.PushFixtures.live;
import static io.streamkit.server.PushFixtures.publish;
import static io.streamkit.server.PushFixtures.subscribe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.server.broker.Published;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SubscribeTest {

  private static void publishN(StreamKitServer server, String topic, int n) {
    for (int i = 0; i < n; i++) {
      server.broker().publish(topic, ByteString.copyFromUtf8("e" + i), Map.of()).join();
    }
  }

  private static List<Long> offsets(RecordingObserver<Event> events) {
    return events.values.stream().map(Event::getOffset).toList();
  }

  @Test
  void offsetsStayContiguousUnderConcurrentPublishStreams() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<Event> events = subscribe(s.channel, after("orders", 0, ""));
      PushFixtures.awaitOpenStreams(s.server, 1);
      List<Thread> publishers = new ArrayList<>();
      List<PublishAck> acks = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int p = 0; p < 4; p++) {
        int id = p;
        Thread t = new Thread(() -> {
          List<PublishRequest> batch = IntStream.range(0, 500).mapToObj(i -> event("orders", id + ":" + i)).toList();
          try {
            acks.add(publish(s.channel, batch).values.get(0));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        t.start();
        publishers.add(t);
      }
      TestThreads.join(java.time.Duration.ofSeconds(30), publishers);

      events.awaitValues(2000, Duration.ofSeconds(20));
      assertThat(offsets(events)).containsExactlyElementsOf(LongStream.rangeClosed(1, 2000).boxed().toList());
      assertThat(events.values).extracting(Event::getEpoch).containsOnly(events.values.get(0).getEpoch());
      assertThat(acks).extracting(PublishAck::getCount).containsOnly(500L);
      // each publisher's own events arrive in the order it published them
      for (int p = 0; p < 4; p++) {
        String prefix = p + ":";
        assertThat(events.values.stream().map(e -> e.getPayload().toStringUtf8()).filter(x -> x.startsWith(prefix)))
            .containsExactlyElementsOf(IntStream.range(0, 500).mapToObj(i -> prefix + i).toList());
      }
    }
  }

  @Test
  void switchingFromHistoryToLiveLosesAndRepeatsNothingWhilePublishersRun() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      for (int round = 0; round < 20; round++) {
        String topic = "switch-" + round;
        int total = 400;
        Thread publisher = new Thread(() -> publishN(s.server, topic, total));
        publisher.start();
        Thread.sleep(round % 3); // subscribe somewhere in the middle of the publishing
        RecordingObserver<Event> events = subscribe(s.channel, after(topic, 0, ""));
        TestThreads.join(java.time.Duration.ofSeconds(30), publisher);

        events.awaitValues(total, Duration.ofSeconds(10));
        Thread.sleep(20);
        assertThat(offsets(events)).as("round " + round)
            .containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
      }
    }
  }

  @Test
  void afterOffsetAbsentZeroAndNStartWhereTheyShould() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      publishN(s.server, "t", 10);
      RecordingObserver<Event> live = subscribe(s.channel, live("t"));
      RecordingObserver<Event> all = subscribe(s.channel, after("t", 0, ""));
      RecordingObserver<Event> afterFive = subscribe(s.channel, after("t", 5, ""));
      PushFixtures.awaitOpenStreams(s.server, 3);
      all.awaitValues(10, Duration.ofSeconds(5)); // registered: history delivered
      afterFive.awaitValues(5, Duration.ofSeconds(5));
      publishN(s.server, "t", 2);

      all.awaitValues(12, Duration.ofSeconds(5));
      afterFive.awaitValues(7, Duration.ofSeconds(5));
      live.awaitValues(2, Duration.ofSeconds(5));
      assertThat(offsets(all)).containsExactlyElementsOf(LongStream.rangeClosed(1, 12).boxed().toList());
      assertThat(offsets(afterFive)).containsExactly(6L, 7L, 8L, 9L, 10L, 11L, 12L);
      assertThat(offsets(live)).containsExactly(11L, 12L);
    }
  }

  @Test
  void anOffsetOlderThanRetentionStartsAtTheOldestRetainedSoTheGapShows() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.inMemoryBroker(m -> m.historyMaxEvents(5)))) {
      publishN(s.server, "t", 10);
      RecordingObserver<Event> events = subscribe(s.channel, after("t", 2, ""));
      events.awaitValues(5, Duration.ofSeconds(5));
      assertThat(offsets(events)).containsExactly(6L, 7L, 8L, 9L, 10L);
    }
  }

  @Test
  void anOffsetAboveTheLastOrAStaleEpochRestartsAtTheOldestRetainedOfTheCurrentEpoch() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.inMemoryBroker(m -> m.historyMaxEvents(5)))) {
      publishN(s.server, "t", 10);
      Published head = s.server.broker().publish("t", ByteString.EMPTY, Map.of()).join(); // offset 11
      String epoch = head.epoch();

      RecordingObserver<Event> rolledBack = subscribe(s.channel, after("t", 50, epoch));
      RecordingObserver<Event> staleEpoch = subscribe(s.channel, after("t", 8, "some-older-epoch"));
      RecordingObserver<Event> sameEpoch = subscribe(s.channel, after("t", 8, epoch));

      rolledBack.awaitValues(5, Duration.ofSeconds(5));
      staleEpoch.awaitValues(5, Duration.ofSeconds(5));
      sameEpoch.awaitValues(3, Duration.ofSeconds(5));
      assertThat(offsets(rolledBack)).containsExactly(7L, 8L, 9L, 10L, 11L);
      assertThat(offsets(staleEpoch)).containsExactly(7L, 8L, 9L, 10L, 11L);
      assertThat(staleEpoch.values).extracting(Event::getEpoch).containsOnly(epoch);
      assertThat(offsets(sameEpoch)).containsExactly(9L, 10L, 11L);
    }
  }

  @Test
  void oneSubscriptionCoversSeveralTopicsEachInOrder() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      publishN(s.server, "a", 3);
      publishN(s.server, "b", 2);
      RecordingObserver<Event> events = subscribe(s.channel, after("a", 0, ""), after("b", 0, ""));
      events.awaitValues(5, Duration.ofSeconds(5));
      assertThat(events.values.stream().filter(e -> e.getTopic().equals("a")).map(Event::getOffset))
          .containsExactly(1L, 2L, 3L);
      assertThat(events.values.stream().filter(e -> e.getTopic().equals("b")).map(Event::getOffset))
          .containsExactly(1L, 2L);
    }
  }

  @Test
  void aThousandSubscriberStreamsEachReceiveEveryEvent() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      List<RecordingObserver<Event>> subscribers = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        subscribers.add(subscribe(s.channel, live("fanout")));
      }
      PushFixtures.awaitOpenStreams(s.server, 1000);
      await().atMost(Duration.ofSeconds(10)).until(() -> subscribedCount(s) >= 1000);
      publishN(s.server, "fanout", 100);

      for (RecordingObserver<Event> events : subscribers) {
        events.awaitValues(100, Duration.ofSeconds(20));
        assertThat(offsets(events)).containsExactlyElementsOf(LongStream.rangeClosed(1, 100).boxed().toList());
      }
    }
  }

  private static int subscribedCount(LoopbackServer s) {
    return ((io.streamkit.server.broker.InMemoryBroker) s.server.broker()).subscriberCount("fanout");
  }

  @Test
  void badTopicsEmptyAndDuplicateRequestsAreInvalidArgumentNamingTheProblem() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<Event> emptyCall = PushFixtures.subscribe(s.channel);
      Status empty = emptyCall.awaitStatus(Duration.ofSeconds(5));
      assertThat(empty.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(empty.getDescription()).contains("topics is empty");
      assertThat(emptyCall.awaitErrorInfo(Duration.ofSeconds(5)).getReason()).isEqualTo("SUBSCRIBE_REQUEST_INVALID");
      assertThat(emptyCall.awaitErrorInfo(Duration.ofSeconds(5)).getMetadataMap()).isEmpty();

      RecordingObserver<Event> duplicateCall = subscribe(s.channel, live("x"), live("x"));
      Status duplicate = duplicateCall.awaitStatus(Duration.ofSeconds(5));
      assertThat(duplicate.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(duplicate.getDescription()).contains("'x'").contains("twice");
      ErrorInfo duplicateReason = duplicateCall.awaitErrorInfo(Duration.ofSeconds(5));
      assertThat(duplicateReason.getReason()).isEqualTo("SUBSCRIBE_REQUEST_INVALID");
      assertThat(duplicateReason.getMetadataMap()).isEqualTo(java.util.Map.of("topic", "x"));

      RecordingObserver<Event> badCall = subscribe(s.channel, live("no spaces"));
      Status bad = badCall.awaitStatus(Duration.ofSeconds(5));
      assertThat(bad.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(bad.getDescription()).contains("'no spaces'");
      ErrorInfo badReason = badCall.awaitErrorInfo(Duration.ofSeconds(5));
      assertThat(badReason.getReason()).isEqualTo("TOPIC_INVALID");
      assertThat(badReason.getMetadataMap()).isEqualTo(java.util.Map.of("topic", "no spaces"));

      Status tooLong = subscribe(s.channel, live("x".repeat(257))).awaitStatus(Duration.ofSeconds(5));
      assertThat(tooLong.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(tooLong.getDescription()).contains("257 characters");

      // Every allowed character: subscribed, and it gets the topic's event (not merely "not failed yet").
      RecordingObserver<Event> allowed = subscribe(s.channel, after("ok.topic_name:1/x-y", 0, ""));
      publishN(s.server, "ok.topic_name:1/x-y", 1);
      allowed.awaitValues(1, Duration.ofSeconds(5));
      assertThat(allowed.values.get(0).getTopic()).isEqualTo("ok.topic_name:1/x-y");
      RecordingObserver<Event> unaffected = subscribe(s.channel, after("fine", 0, ""));
      publishN(s.server, "fine", 1);
      unaffected.awaitValues(1, Duration.ofSeconds(5));
    }
  }

  @Test
  void aSubscribeRequestOfAnyOtherShapeIsStillJudgedByItsTopics() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<Event> events = new RecordingObserver<>();
      io.streamkit.api.v1.StreamServiceGrpc.newStub(s.channel)
          .subscribe(SubscribeRequest.newBuilder().addTopics(after("t", Long.MAX_VALUE, "")).build(), events);
      publishN(s.server, "t", 1);
      events.awaitValues(1, Duration.ofSeconds(5));
      assertThat(offsets(events)).containsExactly(1L); // above the last offset: starts at the oldest retained
    }
  }
}
