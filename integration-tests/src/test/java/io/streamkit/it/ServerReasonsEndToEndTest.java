package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.client.BidiStream;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.SubscriptionListener;
import io.streamkit.client.SubscriptionState;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * The typed reasons of the wire contract (ErrorReason in streaming.proto) as the client receives them from a real
 * server: on a per-message error reply, and on a failed call. The client decides by these reasons, never by a
 * description's text.
 */
@Timeout(60)
class ServerReasonsEndToEndTest {
  @RegisterExtension
  final Closer closer = new Closer();

  private StreamKitClient client(StreamKitServer server) {
    return closer.add(StreamKitClient.builder().target("127.0.0.1:" + server.port())
        .reconnectPolicy(ReconnectPolicy.builder().maxDelay(Duration.ofMillis(200)).build()).build());
  }

  private StreamKitServer server() {
    return closer.add(StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0)).build().start());
  }

  @Test
  void aCallToARouteNobodyServesFailsWithRouteUnknownNamingTheRoute() throws Exception {
    StreamKitClient client = client(server());

    CompletableFuture<Message> call = client.call("nobody-serves-this", ByteString.EMPTY);

    StreamKitException e = (StreamKitException) catchCause(call);
    assertThat(e.status().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(e.reason()).isEqualTo(ErrorReason.ROUTE_UNKNOWN);
    assertThat(e.metadata()).containsEntry("route", "nobody-serves-this");
  }

  @Test
  void aChatMessageWithoutAnIdGetsAnErrorReplyWithMessageIdMissing() throws Exception {
    StreamKitClient client = client(server());
    try (BidiStream<Message, Message> chat = client.chat()) {
      chat.send(Message.newBuilder().setRoute("echo").setPayload(ByteString.copyFromUtf8("no id")).build());

      Message reply = chat.receive(Duration.ofSeconds(10));

      assertThat(reply.hasError()).as("an error reply, not an uncorrelatable echo").isTrue();
      StreamKitException e = StreamKitException.of(reply.getError());
      assertThat(e.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.reason()).isEqualTo(ErrorReason.MESSAGE_ID_MISSING);
      assertThat(e).as("the reply says what was wrong and what to do").hasMessageContaining("'echo'")
          .hasMessageContaining("set Message.id on messages that expect a reply");
      assertThat(e.metadata()).containsEntry("route", "echo");
      assertThat(chat.isOpen()).as("the stream goes on").isTrue();
    }
  }

  @Test
  void aSubscriptionEndedByAServerShuttingDownIsResumingBecauseOfThatReason() throws Exception {
    StreamKitServer server = StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0)).build().start();
    StreamKitClient client = client(server);
    CompletableFuture<StreamKitException> resuming = new CompletableFuture<>();
    CompletableFuture<Void> live = new CompletableFuture<>();
    client.subscribe(List.of(TopicStart.live("news")), new SubscriptionListener() {
      @Override
      public void onEvent(Event event) {}

      @Override
      public void onStateChange(SubscriptionState state, StreamKitException cause) {
        if (state == SubscriptionState.LIVE) {
          live.complete(null);
        } else if (state == SubscriptionState.RESUMING) {
          resuming.complete(cause);
        }
      }
    });
    live.get(10, TimeUnit.SECONDS);

    server.closeNow();

    StreamKitException cause = resuming.get(10, TimeUnit.SECONDS);
    assertThat(cause.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(cause.reason()).isEqualTo(ErrorReason.SERVER_SHUTTING_DOWN);
  }

  private static Throwable catchCause(CompletableFuture<?> future) throws Exception {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }
}
