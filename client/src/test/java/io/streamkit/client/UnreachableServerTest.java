package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What each kind of call says when the server cannot be reached (port 1 on the loopback refuses connections): the
 * cause and the target, that nothing was sent, and, for a stream, that it never opened; never gRPC's bare
 * {@code UNAVAILABLE: io exception}.
 */
@Timeout(30)
class UnreachableServerTest {
  private static final String REFUSED = "cannot connect to 127.0.0.1:1: Connection refused";

  private final StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:1")
      .reconnectPolicy(ReconnectPolicy.builder().initialDelay(Duration.ofMillis(50)).build()).build();

  @AfterEach
  void close() {
    client.close();
  }

  private static StreamKitException failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(StreamKitException.class);
      return (StreamKitException) e.getCause();
    }
    throw new AssertionError("expected a failure, but it succeeded");
  }

  @Test
  void aCallNamesTheRefusedConnectionNotJustIoException() throws Exception {
    StreamKitException e = failure(client.call("echo", "hello"));

    assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e).hasMessageStartingWith("UNAVAILABLE: " + REFUSED).hasMessageEndingWith("; nothing was sent");
    assertThat(client.pendingCalls()).isZero();
  }

  @Test
  void aOneCallPublishOfTextOrBytesNamesTheRefusedConnection() throws Exception {
    assertThat(failure(client.publish("news", "text"))).hasMessageStartingWith("UNAVAILABLE: " + REFUSED)
        .hasMessageEndingWith("; nothing was sent");
    assertThat(failure(client.publish("news", new byte[] {1}))).hasMessageStartingWith("UNAVAILABLE: " + REFUSED);
  }

  @Test
  void aSendOnABlockingChatThatNeverOpenedSaysItNeverOpenedAndWhy() throws Exception {
    try (BidiStream<Message, Message> chat = client.chat()) {
      Message m = Message.newBuilder().setId("1").setRoute("echo").build();

      assertThatThrownBy(() -> chat.send(m)).isInstanceOf(StreamKitException.class)
          .hasMessageStartingWith("UNAVAILABLE: stream never opened (" + REFUSED)
          .hasMessageNotContaining("already closed");
      assertThat(chat.isOpen()).isFalse();
    }
  }

  @Test
  void aSendOnACallbackChatThatNeverOpenedSaysItNeverOpenedAndWhy() throws Exception {
    StreamHandleTest.RecordingListener<Message> listener = new StreamHandleTest.RecordingListener<>();
    StreamHandle<Message> chat = client.chat(listener);

    assertThat(listener.end.get(10, TimeUnit.SECONDS)).hasMessageStartingWith("UNAVAILABLE: " + REFUSED);
    assertThatThrownBy(() -> chat.send(Message.newBuilder().setId("1").setRoute("echo").build()))
        .isInstanceOf(StreamKitException.class)
        .hasMessageStartingWith("UNAVAILABLE: stream never opened (" + REFUSED);
  }

  @Test
  void aSubscriptionWaitsResumingWhileTheConnectionIsReconnecting() throws Exception {
    try (Subscription s = client.subscribe(List.of(TopicStart.oldest("news")))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (s.state() != SubscriptionState.RESUMING || client.connectionState() != ConnectionState.RECONNECTING) {
        assertThat(System.nanoTime()).as("RESUMING and RECONNECTING; now %s and %s", s.state(),
            client.connectionState()).isLessThan(deadline);
        Thread.sleep(5);
      }
      assertThat(s.isOpen()).as("resuming is not ended").isTrue();
    }
  }
}
