package io.streamkit.server;

import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ChatRoutingTest {

  @Test
  void echoRepliesWithPayloadHeadersAndTheRequestIdAsCorrelationId() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      requests.onNext(msg("m-1", "echo", "ping").toBuilder().putHeaders("k", "v").build());
      requests.onCompleted();

      assertThat(replies.awaitStatus(Duration.ofSeconds(5)).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).hasSize(1);
      Message reply = replies.values.get(0);
      assertThat(reply.getCorrelationId()).isEqualTo("m-1");
      assertThat(reply.getRoute()).isEqualTo("echo");
      assertThat(reply.getPayload().toStringUtf8()).isEqualTo("ping");
      assertThat(reply.getHeadersMap()).containsEntry("k", "v");
      assertThat(reply.hasError()).isFalse();
    }
  }

  @Test
  void unknownEmptyAndFailingRoutesGetErrorRepliesAndTheStreamStaysUsable() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(new TestHandlers.FailingHandler()))) {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      requests.onNext(msg("a", "no-such-route", "x"));
      requests.onNext(msg("b", "echo", "after unknown"));
      requests.onNext(msg("c", "", "x"));
      requests.onNext(msg("d", "echo", "after empty"));
      requests.onNext(msg("e", "boom", "fail"));
      requests.onNext(msg("f", "boom", "after failure"));
      requests.onCompleted();

      assertThat(replies.awaitStatus(Duration.ofSeconds(5)).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).extracting(Message::getCorrelationId).containsExactly("a", "b", "c", "d", "e", "f");

      Message unknown = replies.values.get(0);
      assertThat(unknown.getError().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED.value());
      assertThat(unknown.getError().getMessage()).contains("no-such-route");
      assertThat(unknown.getError().getReason()).isEqualTo("ROUTE_UNKNOWN");
      assertThat(unknown.getError().getMetadataMap()).isEqualTo(Map.of("route", "no-such-route"));

      Message empty = replies.values.get(2);
      assertThat(empty.getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
      assertThat(empty.getError().getMessage()).contains("route is empty");
      assertThat(empty.getError().getReason()).isEqualTo("ROUTE_EMPTY");
      assertThat(empty.getError().getMetadataMap()).isEmpty();

      Message failed = replies.values.get(4);
      assertThat(failed.getError().getCode()).isEqualTo(Status.Code.INTERNAL.value());
      assertThat(failed.getError().getMessage())
          .contains("boom")
          .doesNotContain("secret internal detail")
          .doesNotContain("at io.streamkit");
      assertThat(failed.getError().getReason()).isEqualTo("HANDLER_FAILED");
      assertThat(failed.getError().getMetadataMap()).containsOnlyKeys("route", "stream_id")
          .containsEntry("route", "boom");
      assertThat(failed.getError().getMetadataMap().get("stream_id")).startsWith("chat-");

      assertThat(replies.values.get(1).getPayload().toStringUtf8()).isEqualTo("after unknown");
      assertThat(replies.values.get(3).getPayload().toStringUtf8()).isEqualTo("after empty");
      assertThat(replies.values.get(5).getPayload().toStringUtf8()).isEqualTo("after failure");
      assertThat(replies.values.get(5).hasError()).isFalse();
    }
  }

  /** Route {@code note}: takes messages and never replies. */
  static final class Notes implements MessageHandler {
    final List<String> taken = new CopyOnWriteArrayList<>();

    @Override
    public String route() {
      return "note";
    }

    @Override
    public void onMessage(StreamContext context, Message message) {
      taken.add(message.getPayload().toStringUtf8());
    }
  }

  @Test
  void aReplyToAMessageWithoutIdBecomesAMessageIdMissingErrorTellingToSetTheId() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      requests.onNext(msg("", "echo", "no id"));
      requests.onNext(msg("2", "echo", "with id"));
      requests.onCompleted();

      assertThat(replies.awaitStatus(Duration.ofSeconds(5)).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).hasSize(2);
      Message refused = replies.values.get(0);
      assertThat(refused.getCorrelationId()).isEmpty();
      assertThat(refused.getPayload()).isEmpty();
      assertThat(refused.getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
      assertThat(refused.getError().getReason()).isEqualTo("MESSAGE_ID_MISSING");
      assertThat(refused.getError().getMetadataMap()).isEqualTo(Map.of("route", "echo"));
      assertThat(refused.getError().getMessage()).contains("could not be correlated").contains("Message.id");
      assertThat(replies.values.get(1).getCorrelationId()).isEqualTo("2");
      assertThat(replies.values.get(1).hasError()).isFalse();
    }
  }

  @Test
  void messagesWithoutIdToARouteThatNeverRepliesAreHandledWithoutAnyError() throws Exception {
    Notes notes = new Notes();
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(notes))) {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      requests.onNext(msg("", "note", "a"));
      requests.onNext(msg("", "note", "b"));
      requests.onCompleted();

      assertThat(replies.awaitStatus(Duration.ofSeconds(5)).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).isEmpty();
      assertThat(notes.taken).containsExactly("a", "b");
    }
  }
}
