package io.streamkit.server;

import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ConnectivityState;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class IdleTimeoutTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void aChatStreamWithNoMessageEitherWayEndsWithDeadlineExceededNamingTheOption() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.settings(o -> o.connection(
        ConnectionSettings.builder().streamIdleTimeout(Duration.ofMillis(300)).build())))) {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamServiceGrpc.newStub(s.channel).chat(replies).onNext(msg("1", "echo", "x"));

      Status status = replies.awaitStatus(WAIT);
      assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(status.getDescription()).contains("idle for 300 ms").contains("--stream-idle-timeout");
      assertThat(replies.awaitErrorInfo(WAIT).getReason()).isEqualTo("STREAM_IDLE");
      assertThat(replies.awaitErrorInfo(WAIT).getMetadataMap()).isEqualTo(java.util.Map.of("idle_timeout_ms", "300"));
      assertThat(replies.values).hasSize(1);
      await().atMost(WAIT).untilAsserted(() -> assertThat(s.server.stats().openStreams()).isZero());
    }
  }

  @Test
  void aBusyChatStreamIsNeverCutByTheIdleTimeout() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.settings(o -> o.connection(
        ConnectionSettings.builder().streamIdleTimeout(Duration.ofMillis(300)).build())))) {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      for (int i = 0; i < 15; i++) { // 1.5 s, five idle timeouts, never quiet for one
        requests.onNext(msg("" + i, "echo", "x"));
        Thread.sleep(100);
      }
      assertThat(replies.isDone()).isFalse();
      requests.onCompleted();
      assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).hasSize(15);
    }
  }

  @Test
  void aSubscriptionToAQuietTopicIsNotAnIdleStream() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.settings(o -> o.connection(
        ConnectionSettings.builder().streamIdleTimeout(Duration.ofMillis(200)).build())))) {
      RecordingObserver<Event> events = PushFixtures.subscribe(s.channel, PushFixtures.live("quiet"));
      PushFixtures.awaitOpenStreams(s.server, 1);
      Thread.sleep(1_000);
      assertThat(events.isDone()).isFalse();

      s.server.broker().publish("quiet", com.google.protobuf.ByteString.copyFromUtf8("finally"), java.util.Map.of())
          .get(10, java.util.concurrent.TimeUnit.SECONDS);
      events.awaitValues(1, WAIT);
    }
  }

  @Test
  void aConnectionWithoutCallsIsClosedAfterMaxConnectionIdleAndTheClientReconnectsOnDemand() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.settings(o -> o.connection(
        ConnectionSettings.builder().maxConnectionIdle(Duration.ofMillis(500)).build())))) {
      ConnectionLimitsTest.assertCanaryServed(s); // uses and closes its own channel
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      requests.onNext(msg("1", "echo", "x"));
      requests.onCompleted();
      assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
      assertThat(s.channel.getState(false)).isEqualTo(ConnectivityState.READY);

      // GOAWAY after 500 ms without calls: the channel drops to IDLE, and connects again for the next call.
      await().atMost(WAIT).untilAsserted(
          () -> assertThat(s.channel.getState(false)).isEqualTo(ConnectivityState.IDLE));
      RecordingObserver<Message> again = new RecordingObserver<>();
      StreamObserver<Message> second = StreamServiceGrpc.newStub(s.channel).chat(again);
      second.onNext(msg("2", "echo", "y"));
      second.onCompleted();
      assertThat(again.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
    }
  }
}
