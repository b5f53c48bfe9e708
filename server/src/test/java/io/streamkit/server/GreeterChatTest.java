package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GreeterChatTest {

  @Test
  void everyRequestIsAnsweredInOrderWithReceivedPrefixAndTheCallCompletesOk() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<MessageResponse> replies = new RecordingObserver<>();
      StreamObserver<MessageRequest> requests = GreeterGrpc.newStub(s.channel).chat(replies);
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        requests.onNext(MessageRequest.newBuilder().setContent("hello " + i + " ✓").build());
        expected.add("Received: hello " + i + " ✓");
      }
      requests.onCompleted();

      assertThat(replies.awaitStatus(Duration.ofSeconds(10)).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).extracting(MessageResponse::getReply).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void anEmptyStreamCompletesOkWithNoReplies() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<MessageResponse> replies = new RecordingObserver<>();
      GreeterGrpc.newStub(s.channel).chat(replies).onCompleted();

      assertThat(replies.awaitStatus(Duration.ofSeconds(5)).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).isEmpty();
    }
  }

  @Test
  void aGreeterStreamWhoseHandlerFailsEndsWithInternalCarryingHandlerFailed() throws Exception {
    MessageHandler failing = new MessageHandler() {
      @Override
      public String route() {
        return "greeter";
      }

      @Override
      public void onMessage(StreamContext context, io.streamkit.api.v1.Message message) {
        throw new IllegalStateException("out of greetings");
      }
    };
    try (LoopbackServer s = LoopbackServer.start(b -> b.builtInHandlers(false).handler(failing))) {
      RecordingObserver<MessageResponse> replies = new RecordingObserver<>();
      StreamObserver<MessageRequest> requests = GreeterGrpc.newStub(s.channel).chat(replies);
      requests.onNext(MessageRequest.newBuilder().setContent("hi").build());

      // Greeter's responses have no error field: the per-message error ends the stream, reason and all.
      Status status = replies.awaitStatus(Duration.ofSeconds(5));
      assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
      assertThat(status.getDescription()).contains("route 'greeter' failed");
      ErrorInfo reason = replies.awaitErrorInfo(Duration.ofSeconds(5));
      assertThat(reason.getReason()).isEqualTo("HANDLER_FAILED");
      assertThat(reason.getMetadataMap()).containsEntry("route", "greeter").containsKey("stream_id");
    }
  }
}
