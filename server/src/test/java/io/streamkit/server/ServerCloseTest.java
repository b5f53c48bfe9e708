package io.streamkit.server;

import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code close(Duration)} and {@code closeNow()}: how long a shutdown waits, and what open streams get. */
@Timeout(60)
class ServerCloseTest {
  private static final Duration LONG_GRACE = Duration.ofSeconds(30);

  private static RecordingObserver<Message> openChat(LoopbackServer s) throws Exception {
    RecordingObserver<Message> replies = new RecordingObserver<>();
    StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
    requests.onNext(msg("1", "echo", "x"));
    replies.awaitValues(1, Duration.ofSeconds(10));
    return replies;
  }

  private static long millisSince(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void aServerWhoseClientsHoldNoStreamClosesAtOnceWhateverTheGrace() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.settings(o -> o.shutdownGracePeriod(LONG_GRACE)))) {
      HealthGrpc.newBlockingStub(s.channel).check(HealthCheckRequest.getDefaultInstance()); // connected

      long start = System.nanoTime();
      s.server.close(LONG_GRACE);

      assertThat(millisSince(start)).isLessThan(5_000);
    }
  }

  @Test
  void closeWithAGraceLetsOpenStreamsGoOnForItThenEndsThemWithUnavailable() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.settings(o -> o.shutdownGracePeriod(LONG_GRACE)))) {
      RecordingObserver<Message> replies = openChat(s);

      long start = System.nanoTime();
      s.server.close(Duration.ofMillis(500));
      long took = millisSince(start);

      Status status = replies.awaitStatus(Duration.ofSeconds(5));
      assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(status.getDescription()).contains("shutting down");
      assertThat(took).as("the given grace, not the configured 30 s").isBetween(450L, 5_000L);
    }
  }

  @Test
  void closeNowEndsOpenStreamsAtOnce() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.settings(o -> o.shutdownGracePeriod(LONG_GRACE)))) {
      RecordingObserver<Message> replies = openChat(s);

      long start = System.nanoTime();
      s.server.closeNow();

      assertThat(millisSince(start)).isLessThan(3_000);
      assertThat(replies.awaitStatus(Duration.ofSeconds(5)).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      s.server.close(); // idempotent
    }
  }

  @Test
  void aNegativeOrMissingGraceIsACallerMistakeAndLeavesTheServerRunning() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      assertThatThrownBy(() -> s.server.close(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("grace: PT-1S (expected: a duration >= 0)");
      assertThatThrownBy(() -> s.server.close(null))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("grace: null (expected: a duration >= 0)");

      assertThat(HealthGrpc.newBlockingStub(s.channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .hasToString("SERVING");
    }
  }
}
