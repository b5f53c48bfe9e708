package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicNames;
import io.streamkit.api.v1.TopicSubscription;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Resume, de-duplication, gap and reset detection against a plain grpc-java server that plays a script:
 * one list of (epoch, offset) events and a final status (with its reason, if any) per Subscribe call. The
 * boundaries of each rule are unit-tested in {@code internal.ResumingSubscriptionTest}; this is the same over a
 * real connection.
 */
@Timeout(30)
class SubscriptionTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final ReconnectPolicy FAST =
      ReconnectPolicy.builder().initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(10)).build();

  private record Step(List<Event> events, Status status, Metadata trailers) {
    Step(List<Event> events, Status status) {
      this(events, status, new Metadata());
    }
  }

  private final List<Step> script = Collections.synchronizedList(new ArrayList<>());
  private final List<SubscribeRequest> requests = Collections.synchronizedList(new ArrayList<>());
  private Server server;
  private StreamKitClient client;

  @BeforeEach
  void start() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new StreamServiceGrpc.StreamServiceImplBase() {
          @Override
          public void subscribe(SubscribeRequest request, StreamObserver<Event> observer) {
            int call;
            synchronized (requests) {
              requests.add(request);
              call = requests.size() - 1;
            }
            Step step = call < script.size() ? script.get(call) : new Step(List.of(), Status.UNAVAILABLE);
            step.events().forEach(observer::onNext);
            if (step.status().isOk()) {
              observer.onCompleted();
            } else {
              observer.onError(step.status().asRuntimeException(step.trailers()));
            }
          }
        })
        .build()
        .start();
    client = StreamKitClient.builder().target("127.0.0.1:" + server.getPort()).reconnectPolicy(FAST).build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static Event event(String epoch, long offset) {
    return Event.newBuilder().setTopic("t").setEpoch(epoch).setOffset(offset).build();
  }

  /** The trailers of a failure with a StreamKit reason, as the server sends them. */
  static Metadata reason(Status status, ErrorReason reason, Map<String, String> metadata) {
    com.google.rpc.Status details = com.google.rpc.Status.newBuilder()
        .setCode(status.getCode().value()).setMessage(status.getDescription())
        .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain("streamkit.io").setReason(reason.name())
            .putAllMetadata(metadata).build()))
        .build();
    return StatusProto.toStatusException(details).getTrailers();
  }

  private void scriptDuplicatesGapAndReset() {
    script.add(new Step(List.of(event("e1", 1), event("e1", 2), event("e1", 3)), Status.UNAVAILABLE));
    Status tooSlow = Status.RESOURCE_EXHAUSTED.withDescription("subscriber too slow: 51 events behind");
    script.add(new Step(List.of(event("e1", 2), event("e1", 3), event("e1", 4), event("e1", 7)), tooSlow,
        reason(tooSlow, ErrorReason.SUBSCRIBER_TOO_SLOW, Map.of("resume_after_offset", "7", "epoch", "e1"))));
    script.add(new Step(List.of(event("e2", 1), event("e2", 2)), Status.OK));
  }

  @Test
  void aPlainLoopGetsEveryEventOnceAndGoesOnAfterAGapAndAReset() throws Exception {
    scriptDuplicatesGapAndReset();
    List<String> seen = new ArrayList<>();
    List<String> reported = new ArrayList<>();
    SubscribeOptions options = SubscribeOptions.builder()
        .onDiscontinuity(gap -> reported.add((gap.isReset() ? "reset" : "gap") + " before " + seen.size()))
        .build();
    try (Subscription s = client.subscribe(List.of(TopicStart.oldest("t")), options)) {
      for (Event e : s) {
        seen.add(e.getEpoch() + "/" + e.getOffset());
      }
      assertThat(s.state()).isEqualTo(SubscriptionState.ENDED);
    }
    assertThat(seen).containsExactly("e1/1", "e1/2", "e1/3", "e1/4", "e1/7", "e2/1", "e2/2");
    assertThat(reported).containsExactly("gap before 4", "reset before 5");
  }

  @Test
  void aStrictSubscriptionThrowsGapAndResetOnceBeforeTheirEventAndDropsDuplicates() throws Exception {
    scriptDuplicatesGapAndReset();
    List<String> seen = new ArrayList<>();
    SubscribeOptions strict = SubscribeOptions.builder().stopOnDiscontinuity().build();
    try (Subscription s = client.subscribe(List.of(TopicStart.oldest("t")), strict)) {
      while (true) {
        try {
          Event e = s.next(WAIT);
          if (e == null) {
            break;
          }
          seen.add(e.getEpoch() + "/" + e.getOffset());
        } catch (SubscriptionGapException gap) {
          seen.add((gap.isReset() ? "reset " + gap.oldEpoch() + "->" + gap.newEpoch() : "gap")
              + " " + gap.expectedOffset() + ".." + gap.actualOffset());
        }
      }
      assertThat(s.isOpen()).isFalse();
    }
    assertThat(seen).containsExactly("e1/1", "e1/2", "e1/3", "e1/4", "gap 5..7", "e1/7",
        "reset e1->e2 8..1", "e2/1", "e2/2");
    // Each resubscription starts after the last event the application had taken when the stream dropped:
    // how many it had taken depends on timing, so the offsets are bounded, not fixed. What was buffered but
    // not yet taken arrives again and is dropped as a duplicate (seen above: nothing twice).
    assertThat(requests).hasSize(3);
    assertThat(requests.get(0).getTopics(0))
        .isEqualTo(TopicSubscription.newBuilder().setTopic("t").setAfterOffset(0).build());
    TopicSubscription second = requests.get(1).getTopics(0);
    TopicSubscription third = requests.get(2).getTopics(0);
    assertThat(second.getAfterOffset()).isBetween(0L, 3L);
    assertThat(third.getAfterOffset()).isBetween(second.getAfterOffset(), 7L);
    assertThat(third.getEpoch()).isEqualTo("e1");
  }

  @Test
  void listenerGetsGapAndResetCallbacksBeforeTheirEventsAndCompletes() throws Exception {
    scriptDuplicatesGapAndReset();
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(1);
    client.subscribe(List.of(TopicStart.oldest("t")), new SubscriptionListener() {
      @Override
      public void onEvent(Event e) {
        seen.add(e.getEpoch() + "/" + e.getOffset());
      }

      @Override
      public void onGap(String topic, long expected, long actual) {
        seen.add("gap " + expected + ".." + actual);
      }

      @Override
      public void onReset(String topic, String oldEpoch, String newEpoch) {
        seen.add("reset " + oldEpoch + "->" + newEpoch);
      }

      @Override
      public void onCompleted() {
        seen.add("completed");
        done.countDown();
      }
    });
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(seen).containsExactly("e1/1", "e1/2", "e1/3", "e1/4", "gap 5..7", "e1/7", "reset e1->e2",
        "e2/1", "e2/2", "completed");
  }

  @Test
  void resumingAfterAnOffsetOfAnEpochTheServerNoLongerHasReportsAReset() throws Exception {
    script.add(new Step(List.of(event("e2", 1), event("e2", 2)), Status.OK));
    SubscribeOptions strict = SubscribeOptions.builder().stopOnDiscontinuity().build();
    try (Subscription s = client.subscribe(List.of(TopicStart.after("t", 5, "e1")), strict)) {
      assertThatThrownBy(() -> s.next(WAIT)).isInstanceOfSatisfying(SubscriptionGapException.class, gap -> {
        assertThat(gap.isReset()).isTrue();
        assertThat(gap.oldEpoch()).isEqualTo("e1");
        assertThat(gap.newEpoch()).isEqualTo("e2");
      });
      assertThat(s.next(WAIT).getOffset()).isEqualTo(1);
      assertThat(s.next(WAIT).getOffset()).isEqualTo(2);
      assertThat(s.position("t")).isEqualTo(TopicStart.after("t", 2, "e2"));
    }
    assertThat(requests.get(0).getTopics(0))
        .isEqualTo(TopicSubscription.newBuilder().setTopic("t").setAfterOffset(5).setEpoch("e1").build());
  }

  @Test
  void resumingWithAnUnknownEpochAdoptsTheServersAndStillDetectsAGap() throws Exception {
    script.add(new Step(List.of(event("e1", 6), event("e1", 9)), Status.OK));
    List<String> seen = new ArrayList<>();
    SubscribeOptions strict = SubscribeOptions.builder().stopOnDiscontinuity().build();
    try (Subscription s = client.subscribe(List.of(TopicStart.after("t", 5, "")), strict)) {
      seen.add(s.next(WAIT).getEpoch());
      assertThatThrownBy(() -> s.next(WAIT)).isInstanceOf(SubscriptionGapException.class)
          .hasMessageContaining("expected offset 7, got 9");
      seen.add(s.next(WAIT).getOffset() + "");
    }
    assertThat(seen).containsExactly("e1", "9");
  }

  @Test
  void liveTopicNeverSeenIsResubscribedLive() throws Exception {
    script.add(new Step(List.of(), Status.UNAVAILABLE));
    script.add(new Step(List.of(), Status.OK));
    try (Subscription s = client.subscribe(List.of(TopicStart.live("t")))) {
      assertThat(s.next(WAIT)).isNull();
    }
    assertThat(requests).extracting(r -> r.getTopics(0).hasAfterOffset()).containsExactly(false, false);
  }

  @Test
  void permissionDeniedEndsTheSubscriptionWithoutRetry() throws Exception {
    script.add(new Step(List.of(event("e1", 1)), Status.PERMISSION_DENIED.withDescription("no")));
    try (Subscription s = client.subscribe(List.of(TopicStart.oldest("t")))) {
      assertThat(s.next(WAIT).getOffset()).isEqualTo(1);
      assertThatThrownBy(() -> s.next(WAIT)).isInstanceOfSatisfying(StreamKitException.class,
          e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }
    assertThat(requests).hasSize(1);
  }

  @Test
  void resourceExhaustedWithoutTheTooSlowReasonIsNotRetriedWhateverItsDescription() throws Exception {
    script.add(new Step(List.of(), Status.RESOURCE_EXHAUSTED.withDescription("subscriber too slow")));
    try (Subscription s = client.subscribe(List.of(TopicStart.oldest("t")))) {
      assertThatThrownBy(() -> s.next(WAIT)).isInstanceOf(StreamKitException.class);
    }
    assertThat(requests).hasSize(1);
  }

  @Test
  void maxAttemptsEndsTheSubscriptionWithTheLastStatus() throws Exception {
    ReconnectPolicy twice = ReconnectPolicy.builder().initialDelay(Duration.ZERO).maxAttempts(2).build();
    try (Subscription s = client.subscribe(List.of(TopicStart.oldest("t")), twice)) {
      assertThatThrownBy(() -> s.next(WAIT)).isInstanceOfSatisfying(StreamKitException.class,
          e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
    assertThat(requests).hasSize(3);
  }

  @Test
  void aBadTopicIsRejectedWhereItIsWrittenWithTheServersMessage() {
    assertThatThrownBy(() -> TopicStart.live("no spaces"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(TopicNames.problem("no spaces"))
        .hasMessage("topic 'no spaces' has the character ' ' at index 2 (expected: only [A-Za-z0-9._:/-])");
    assertThat(requests).isEmpty();
  }

  @Test
  void closeIsIdempotentAndLaterNextFailsWithCancelled() throws Exception {
    script.add(new Step(List.of(event("e1", 1), event("e1", 2)), Status.UNAVAILABLE));
    Subscription s = client.subscribe(List.of(TopicStart.oldest("t")), ReconnectPolicy.disabled());
    s.close();
    s.close();
    assertThatThrownBy(() -> s.next(WAIT)).isInstanceOfSatisfying(StreamKitException.class,
        e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.CANCELLED));
    assertThat(client.openStreams()).isZero();
  }

  @Test
  void thePositionOfATopicTheSubscriptionDoesNotHaveIsACallerMistake() {
    script.add(new Step(List.of(), Status.OK));
    try (Subscription s = client.subscribe(List.of(TopicStart.live("t")))) {
      assertThatThrownBy(() -> s.position("other"))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("topic: 'other' (expected: one of [t])");
    }
    SubscriptionHandle handle = client.subscribe(List.of(TopicStart.live("t")), event -> { });
    assertThatThrownBy(() -> handle.position("other")).isInstanceOf(IllegalArgumentException.class);
    handle.cancel();
  }

  @Test
  void topicsMustBeNonEmptyAndDistinct() {
    assertThatThrownBy(() -> client.subscribe(List.of()))
        .hasMessage("topics: [] (expected: at least one topic)");
    assertThatThrownBy(() -> client.subscribe(List.of(TopicStart.live("a"), TopicStart.oldest("a"))))
        .hasMessage("topics: 'a' twice (expected: each topic once)");
  }

  @Test
  void reconnectPolicyBuilderNamesTheBadValue() {
    assertThatThrownBy(() -> ReconnectPolicy.builder().multiplier(0.5))
        .hasMessage("multiplier: 0.5 (expected: >= 1)");
    assertThatThrownBy(() -> ReconnectPolicy.builder().jitter(2))
        .hasMessage("jitter: 2.0 (expected: 0 to 1)");
    assertThatThrownBy(() -> ReconnectPolicy.builder().maxAttempts(-1))
        .hasMessage("maxAttempts: -1 (expected: >= 0)");
    assertThatThrownBy(() -> TopicStart.after("t", -1, ""))
        .hasMessage("offset: -1 (expected: >= 0)");
    assertThat(ReconnectPolicy.disabled().maxAttempts()).isZero();
  }
}
