package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StreamKitClientTest {
  @RegisterExtension
  final LoopbackServer server = new LoopbackServer();

  @Test
  void builderSettersRejectBadValuesAtOnceNamingTheOption() {
    StreamKitClient.Builder builder = StreamKitClient.builder();

    assertThatThrownBy(() -> builder.maxInboundMessageSize(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxInboundMessageSize: 0 (expected: > 0)");
    assertThatThrownBy(() -> builder.maxQueuedBytes(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxQueuedBytes: -1 (expected: > 0)");
    assertThatThrownBy(() -> builder.defaultDeadline(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("defaultDeadline: PT0S (expected: > 0)");
    assertThatThrownBy(() -> builder.defaultDeadline(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("defaultDeadline: PT-1S (expected: > 0)");
    assertThatThrownBy(() -> builder.defaultDeadline(null))
        .isInstanceOf(NullPointerException.class).hasMessageStartingWith("defaultDeadline: null");
    assertThatThrownBy(() -> builder.target("localhost"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("target: 'localhost' (expected: host:port)");
    assertThatThrownBy(() -> builder.target("localhost:0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("target: 'localhost:0'");
    assertThatThrownBy(() -> builder.target("local host:80"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("target: 'local host:80'");
    assertThatThrownBy(() -> builder.target(null))
        .isInstanceOf(NullPointerException.class).hasMessageStartingWith("target: null");
    assertThatThrownBy(() -> builder.userAgent(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("userAgent: ' '");
    assertThatThrownBy(() -> builder.callbackExecutor(null))
        .isInstanceOf(NullPointerException.class).hasMessageStartingWith("callbackExecutor: null");
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("target: not set");
  }

  @Test
  void aBuilderAcceptsEveryOptionAndTheClientWorksWithThem() throws Exception {
    ExecutorService executor = Executors.newFixedThreadPool(2);
    try {
      StreamKitClient client = server.newClient(b -> b
          .maxInboundMessageSize(1024 * 1024)
          .userAgent("streamkit-test/1")
          .defaultDeadline(Duration.ofSeconds(5))
          .callbackExecutor(executor)
          .maxQueuedBytes(64 * 1024));

      assertThat(client.call("echo", ByteString.copyFromUtf8("hi")).get(5, TimeUnit.SECONDS)
          .getPayload().toStringUtf8()).isEqualTo("hi");

      client.close();
      assertThat(executor.isShutdown()).as("a user's executor is the user's to shut down").isFalse();
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void bidiRejectsAMethodThatIsNotBidiStreaming() {
    StreamKitClient client = server.newClient();

    assertThatThrownBy(() -> client.bidi(StreamServiceGrpc.getSubscribeMethod()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("method: streamkit.v1.StreamService/Subscribe is SERVER_STREAMING (expected: BIDI_STREAMING)");
  }

  @Test
  void callRejectsAnEmptyRouteAndANonPositiveDeadline() {
    StreamKitClient client = server.newClient();

    assertThatThrownBy(() -> client.call("", ByteString.EMPTY))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("route: '' (expected: non-empty)");
    assertThatThrownBy(() -> client.call("echo", ByteString.EMPTY, java.util.Map.of(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("deadline: PT0S (expected: > 0)");
  }

  @Test
  void viewsAndPoliciesRejectBadValuesNamingThem() {
    StreamKitClient client = server.newClient();

    assertThatThrownBy(() -> client.withDeadline(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("deadline: PT0S (expected: > 0)");
    assertThatThrownBy(() -> client.withCompression("br"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("compression: 'br' (expected: gzip or identity)");
    assertThatThrownBy(() -> ReconnectPolicy.builder().initialDelay(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("initialDelay: PT-0.001S (expected: >= 0)");
    assertThatThrownBy(() -> ReconnectPolicy.builder().maxDelay(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxDelay: PT0S (expected: > 0)");
    assertThatThrownBy(() -> ReconnectPolicy.builder().initialDelay(Duration.ofSeconds(10)).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("initialDelay: PT10S (expected: <= maxDelay PT5S)");
    assertThatThrownBy(() -> TopicStart.live("a b")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(io.streamkit.api.v1.TopicNames.problem("a b"));
    assertThatThrownBy(() -> client.call("echo", (String) null))
        .isInstanceOf(NullPointerException.class).hasMessage("payload");
  }

  @Test
  void closeIsIdempotentAndLaterUseIsACallerMistake() {
    StreamKitClient client = server.newClient();
    client.close();
    client.close();

    assertThatThrownBy(() -> client.call("echo", ByteString.EMPTY))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(client::chat).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(client::publisher).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> client.publish("t", "x")).isInstanceOf(IllegalStateException.class)
        .hasMessage("StreamKitClient is closed; build a new one");
    assertThatThrownBy(() -> client.bidi(io.streamkit.api.v1.StreamServiceGrpc.getChatMethod()))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> client.subscribe(java.util.List.of(TopicStart.live("t"))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> client.subscribe(java.util.List.of(TopicStart.live("t")), event -> { }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(client.connectionState()).isEqualTo(ConnectionState.CLOSED);
  }

  @Test
  void optionsAndListenersRejectNullNamingTheOption() {
    assertThatThrownBy(() -> StreamKitClient.builder().connectionListener(null))
        .isInstanceOf(NullPointerException.class).hasMessageStartingWith("connectionListener: null");
    assertThatThrownBy(() -> SubscribeOptions.builder().onDiscontinuity(null))
        .isInstanceOf(NullPointerException.class).hasMessageStartingWith("onDiscontinuity: null");
    assertThatThrownBy(() -> SubscribeOptions.builder().reconnectPolicy(null))
        .isInstanceOf(NullPointerException.class).hasMessageStartingWith("reconnectPolicy: null");
  }
}
