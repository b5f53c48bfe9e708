package io.streamkit.server;

import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.time.Duration;
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

      Message empty = replies.values.get(2);
      assertThat(empty.getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
      assertThat(empty.getError().getMessage()).contains("route is empty");

      Message failed = replies.values.get(4);
      assertThat(failed.getError().getCode()).isEqualTo(Status.Code.INTERNAL.value());
      assertThat(failed.getError().getMessage())
          .contains("boom")
          .doesNotContain("secret internal detail")
          .doesNotContain("at io.streamkit");

      assertThat(replies.values.get(1).getPayload().toStringUtf8()).isEqualTo("after unknown");
      assertThat(replies.values.get(3).getPayload().toStringUtf8()).isEqualTo("after empty");
      assertThat(replies.values.get(5).getPayload().toStringUtf8()).isEqualTo("after failure");
      assertThat(replies.values.get(5).hasError()).isFalse();
    }
  }
}
