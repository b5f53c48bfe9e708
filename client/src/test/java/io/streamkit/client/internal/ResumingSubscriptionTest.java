package io.streamkit.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.ConnectivityState;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.Subscription;
import io.streamkit.client.SubscriptionGapException;
import io.streamkit.client.SubscriptionListener;
import io.streamkit.client.SubscriptionState;
import io.streamkit.client.TopicStart;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The resuming subscription at its boundaries, against a recording fake channel and a timer that moves only when
 * the test says: which offsets are duplicates, gaps and resets; what is asked on each resubscribe; when attempts
 * start; how an attempt waits for a connection; which failures are retried.
 */
@Timeout(10)
class ResumingSubscriptionTest {
  /** Attempt n waits n x 100 ms; at most three attempts in a row. */
  private static final IntToLongFunction BACKOFF = n -> n > 3 ? -1 : Duration.ofMillis(100L * n).toNanos();
  private static final Duration NOW = Duration.ZERO;

  private final FakeChannel channel = new FakeChannel();
  private final ManualTimer timer = new ManualTimer();
  private final OpenCalls openCalls = new OpenCalls();
  private final List<SubscriptionGapException> reported = new ArrayList<>();
  private ConnectionWatch connection;

  @BeforeEach
  void start() {
    // A watch that never drives reconnecting itself: every backoff reset seen here is the subscription's.
    connection = new ConnectionWatch(channel, timer, n -> -1, null, Runnable::run);
    connection.start();
    timer.runDue();
  }

  private Subscription subscribe(TopicStart start) {
    return ResumingSubscription.blocking(channel, connection, List.of(start), BACKOFF, timer, openCalls,
        new ResumingSubscription.Discontinuities(reported::add, false));
  }

  private Subscription strict(TopicStart start) {
    return ResumingSubscription.blocking(channel, connection, List.of(start), BACKOFF, timer, openCalls,
        new ResumingSubscription.Discontinuities(null, true));
  }

  private FakeChannel.FakeCall<SubscribeRequest, Event> call(int index) {
    @SuppressWarnings("unchecked")
    FakeChannel.FakeCall<SubscribeRequest, Event> call =
        (FakeChannel.FakeCall<SubscribeRequest, Event>) channel.calls.get(index);
    return call;
  }

  private static Event event(String epoch, long offset) {
    return Event.newBuilder().setTopic("t").setEpoch(epoch).setOffset(offset).build();
  }

  private static void deliver(FakeChannel.FakeCall<SubscribeRequest, Event> call, Event... events) {
    call.listener().onHeaders(new Metadata());
    for (Event e : events) {
      call.listener().onMessage(e);
    }
  }

  private static long next(Subscription s) throws Exception {
    return s.next(NOW).getOffset();
  }

  private static Metadata reasonTrailers(Status status, ErrorReason reason, Map<String, String> metadata) {
    com.google.rpc.Status details = com.google.rpc.Status.newBuilder()
        .setCode(status.getCode().value()).setMessage(String.valueOf(status.getDescription()))
        .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain("streamkit.io").setReason(reason.name())
            .putAllMetadata(metadata).build()))
        .build();
    return StatusProto.toStatusException(details).getTrailers();
  }

  @Test
  void theNextOffsetIsDeliveredAnEqualOneIsDroppedAndAHigherOneIsAGapReportedBeforeIt() throws Exception {
    Subscription s = subscribe(TopicStart.after("t", 5, "e1"));
    deliver(call(0), event("e1", 5), event("e1", 6), event("e1", 6), event("e1", 8));

    assertThat(next(s)).isEqualTo(6);
    assertThat(reported).isEmpty();
    assertThat(next(s)).isEqualTo(8);
    assertThat(reported).singleElement().satisfies(gap -> {
      assertThat(gap.isReset()).isFalse();
      assertThat(gap.expectedOffset()).isEqualTo(7);
      assertThat(gap.actualOffset()).isEqualTo(8);
    });
    assertThatThrownBy(() -> s.next(NOW)).isInstanceOf(TimeoutException.class);
  }

  @Test
  void anotherEpochIsAResetReportedOnceBeforeItsFirstEvent() throws Exception {
    Subscription s = subscribe(TopicStart.after("t", 41, "e1"));
    deliver(call(0), event("e2", 1), event("e2", 2));

    assertThat(next(s)).isEqualTo(1);
    assertThat(next(s)).isEqualTo(2);
    assertThat(reported).singleElement().satisfies(reset -> {
      assertThat(reset.isReset()).isTrue();
      assertThat(reset.oldEpoch()).isEqualTo("e1");
      assertThat(reset.newEpoch()).isEqualTo("e2");
    });
    assertThat(s.position("t")).isEqualTo(TopicStart.after("t", 2, "e2"));
  }

  @Test
  void inStrictModeAGapIsThrownOnceAndTheNextCallReturnsItsEvent() throws Exception {
    Subscription s = strict(TopicStart.after("t", 1, "e1"));
    deliver(call(0), event("e1", 3));

    assertThatThrownBy(() -> s.next(NOW)).isInstanceOfSatisfying(SubscriptionGapException.class,
        gap -> assertThat(gap).hasMessageContaining("expected offset 2, got 3"));
    assertThat(next(s)).isEqualTo(3);
  }

  @Test
  void aResubscribeAsksForEverythingAfterTheLastEventHandedOutNotTheLastOneReceived() throws Exception {
    Subscription s = subscribe(TopicStart.oldest("t"));
    assertThat(call(0).sent).singleElement().isEqualTo(SubscribeRequest.newBuilder()
        .addTopics(TopicSubscription.newBuilder().setTopic("t").setAfterOffset(0)).build());
    deliver(call(0), event("e1", 1), event("e1", 2), event("e1", 3));
    assertThat(next(s)).isEqualTo(1);

    call(0).listener().onClose(Status.UNAVAILABLE.withDescription("connection lost"), new Metadata());
    assertThat(s.state()).isEqualTo(SubscriptionState.RESUMING);
    timer.advance(Duration.ofMillis(100));

    assertThat(call(1).sent.get(0).getTopics(0))
        .isEqualTo(TopicSubscription.newBuilder().setTopic("t").setAfterOffset(1).setEpoch("e1").build());
    // What the failed stream left queued comes first; the resumed stream's copies of it are dropped.
    deliver(call(1), event("e1", 2), event("e1", 3), event("e1", 4));
    assertThat(List.of(next(s), next(s), next(s))).containsExactly(2L, 3L, 4L);
    assertThat(reported).isEmpty();
  }

  @Test
  void anAttemptStartsExactlyWhenItsPolicyDelayIsOver() {
    subscribe(TopicStart.live("t"));
    deliver(call(0));
    call(0).listener().onClose(Status.UNAVAILABLE, new Metadata());

    timer.advance(Duration.ofMillis(99));
    assertThat(channel.calls).hasSize(1);
    timer.advance(Duration.ofMillis(1));
    assertThat(channel.calls).hasSize(2);
    assertThat(call(1).sent.get(0).getTopics(0).hasAfterOffset()).as("a live topic never seen stays live").isFalse();
  }

  @Test
  void whileTheConnectionIsReconnectingAnAttemptAsksForAConnectAndSubscribesTheMomentItIsReady() {
    Subscription s = subscribe(TopicStart.live("t"));
    deliver(call(0));
    channel.setState(ConnectivityState.TRANSIENT_FAILURE);
    timer.runDue();
    call(0).listener().onClose(Status.UNAVAILABLE, new Metadata());
    int resetsBefore = channel.backoffResets;

    timer.advance(Duration.ofMillis(100)); // attempt 1 is due: the channel is still failing
    assertThat(channel.calls).as("no fail-fast call into a failing channel").hasSize(1);
    assertThat(channel.backoffResets).isEqualTo(resetsBefore + 1);

    channel.setState(ConnectivityState.READY);
    timer.runDue();
    assertThat(channel.calls).as("subscribed as soon as the connection is READY").hasSize(2);
    deliver(call(1));
    assertThat(s.state()).isEqualTo(SubscriptionState.LIVE);
  }

  @Test
  void anAttemptThatFindsNoConnectionBeforeTheNextIsDueCountsAndTheNextAsksAgain() {
    subscribe(TopicStart.live("t"));
    channel.setState(ConnectivityState.TRANSIENT_FAILURE);
    timer.runDue();
    call(0).listener().onClose(Status.UNAVAILABLE, new Metadata());
    timer.advance(Duration.ofMillis(100)); // attempt 1 waits until attempt 2 is due (200 ms)
    int resets = channel.backoffResets;

    timer.advance(Duration.ofMillis(199));
    assertThat(channel.backoffResets).isEqualTo(resets);
    timer.advance(Duration.ofMillis(1));
    assertThat(channel.backoffResets).as("attempt 2 asks again").isGreaterThan(resets);
    assertThat(channel.calls).hasSize(1);
  }

  @Test
  void theLastAttemptEndsTheSubscriptionWithTheFailureItRetried() {
    Subscription s = subscribe(TopicStart.live("t"));
    for (int attempt = 0; attempt <= 3; attempt++) {
      call(attempt).listener().onClose(Status.UNAVAILABLE.withDescription("down " + attempt), new Metadata());
      timer.advance(Duration.ofMillis(100L * (attempt + 1)));
    }

    assertThat(channel.calls).as("the first call and three attempts").hasSize(4);
    assertThat(s.state()).isEqualTo(SubscriptionState.ENDED);
    assertThatThrownBy(() -> s.next(NOW)).isInstanceOfSatisfying(StreamKitException.class,
        e -> assertThat(e).hasMessage("UNAVAILABLE: down 3"));
    assertThat(openCalls.size()).isZero();
  }

  @Test
  void theAttemptCountStartsOverOnceTheServerRegisteredTheStream() {
    subscribe(TopicStart.live("t"));
    call(0).listener().onClose(Status.UNAVAILABLE, new Metadata());
    timer.advance(Duration.ofMillis(100));
    call(1).listener().onClose(Status.UNAVAILABLE, new Metadata());
    timer.advance(Duration.ofMillis(200)); // attempt 2
    deliver(call(2)); // registered: the count starts over

    call(2).listener().onClose(Status.UNAVAILABLE, new Metadata());
    timer.advance(Duration.ofMillis(100));
    assertThat(channel.calls).as("attempt 1 again, after 100 ms").hasSize(4);
  }

  @Test
  void tooSlowIsRetriedByItsReasonWhileResourceExhaustedWithoutOneEnds() {
    Subscription slow = subscribe(TopicStart.live("t"));
    Status tooSlow = Status.RESOURCE_EXHAUSTED.withDescription("51 events behind");
    call(0).listener().onClose(tooSlow,
        reasonTrailers(tooSlow, ErrorReason.SUBSCRIBER_TOO_SLOW, Map.of("resume_after_offset", "7")));
    assertThat(slow.state()).isEqualTo(SubscriptionState.RESUMING);

    Subscription quota = subscribe(TopicStart.live("t"));
    call(1).listener().onClose(Status.RESOURCE_EXHAUSTED.withDescription("subscriber too slow"), new Metadata());
    assertThat(quota.state()).as("no reason: the description is for people, not for deciding")
        .isEqualTo(SubscriptionState.ENDED);
  }

  @Test
  void aReasonDecidesOverTheCode() {
    Status shuttingDown = Status.UNAVAILABLE.withDescription("draining");
    assertThat(ResumingSubscription.retryable(new StreamKitException(shuttingDown,
        reasonTrailers(shuttingDown, ErrorReason.SERVER_SHUTTING_DOWN, Map.of())))).isTrue();
    Status idle = Status.DEADLINE_EXCEEDED.withDescription("idle");
    assertThat(ResumingSubscription.retryable(new StreamKitException(idle,
        reasonTrailers(idle, ErrorReason.STREAM_IDLE, Map.of("idle_timeout_ms", "1000"))))).isTrue();
    Status badTopic = Status.INVALID_ARGUMENT.withDescription("topic");
    assertThat(ResumingSubscription.retryable(new StreamKitException(badTopic,
        reasonTrailers(badTopic, ErrorReason.TOPIC_INVALID, Map.of("topic", "a b"))))).isFalse();
    Status denied = Status.PERMISSION_DENIED.withDescription("no");
    assertThat(ResumingSubscription.retryable(new StreamKitException(denied,
        reasonTrailers(denied, ErrorReason.NOT_AUTHORIZED, Map.of("topic", "t"))))).isFalse();
  }

  @Test
  void withoutAReasonTheCodeDecidesAndALostConnectionSeenAsUnknownIsRetried() {
    assertThat(ResumingSubscription.retryable(new StreamKitException(Status.UNAVAILABLE))).isTrue();
    assertThat(ResumingSubscription.retryable(new StreamKitException(
        Status.UNKNOWN.withCause(new java.nio.channels.ClosedChannelException())))).isTrue();
    assertThat(ResumingSubscription.retryable(new StreamKitException(
        Status.INTERNAL.withDescription("channel closed")))).as("no I/O cause: a server's answer").isFalse();
    assertThat(ResumingSubscription.retryable(new StreamKitException(Status.UNAUTHENTICATED))).isFalse();
    assertThat(ResumingSubscription.retryable(new StreamKitException(Status.DEADLINE_EXCEEDED))).isFalse();
  }

  @Test
  void closingWhileAnAttemptWaitsForTheConnectionStopsIt() {
    Subscription s = subscribe(TopicStart.live("t"));
    channel.setState(ConnectivityState.TRANSIENT_FAILURE);
    timer.runDue();
    call(0).listener().onClose(Status.UNAVAILABLE, new Metadata());
    timer.advance(Duration.ofMillis(100));

    s.close();
    channel.setState(ConnectivityState.READY);
    timer.advance(Duration.ofSeconds(10));

    assertThat(channel.calls).hasSize(1);
    assertThat(s.state()).isEqualTo(SubscriptionState.ENDED);
    assertThat(timer.pending()).isZero();
  }

  @Test
  void aListenerHearsEveryStateInOrderWithTheFailureBeingRetried() {
    List<String> heard = new ArrayList<>();
    ResumingSubscription.withListener(channel, connection, List.of(TopicStart.live("t")), BACKOFF, timer,
        openCalls, new SubscriptionListener() {
          @Override
          public void onEvent(Event event) {
            heard.add("event " + event.getOffset());
          }

          @Override
          public void onStateChange(SubscriptionState state, StreamKitException cause) {
            heard.add(state + (cause == null ? "" : " " + cause.status().getCode()));
          }

          @Override
          public void onCompleted() {
            heard.add("completed");
          }
        }, Runnable::run);

    deliver(call(0), event("e1", 1));
    call(0).listener().onClose(Status.UNAVAILABLE, new Metadata());
    assertThat(heard).as("told at once, not with the next event").endsWith("RESUMING UNAVAILABLE");
    timer.advance(Duration.ofMillis(100));
    deliver(call(1), event("e1", 2));
    call(1).listener().onClose(Status.OK, new Metadata());

    assertThat(heard).containsExactly("LIVE", "event 1", "RESUMING UNAVAILABLE", "LIVE", "event 2", "ENDED",
        "completed");
  }
}
