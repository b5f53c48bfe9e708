package io.streamkit.server;

import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import io.streamkit.server.security.Authorizer;
import io.streamkit.server.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** StreamService/Call: Chat's routing, authorization and per-message errors, one request and one reply. */
@Timeout(30)
class UnaryCallTest {

  private static StreamServiceGrpc.StreamServiceBlockingStub stub(LoopbackServer s) {
    return StreamServiceGrpc.newBlockingStub(s.channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Test
  void theReplyOfTheRoutesHandlerIsTheResponseCorrelatedToTheRequestId() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      Message reply = stub(s).call(msg("req-1", "echo", "hello"));

      assertThat(reply.getCorrelationId()).isEqualTo("req-1");
      assertThat(reply.getRoute()).isEqualTo("echo");
      assertThat(reply.getPayload().toStringUtf8()).isEqualTo("hello");
    }
  }

  @Test
  void anEmptyRouteAnUnknownRouteAndAFailingHandlerAreRepliesWithErrorNotFailedCalls() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(new TestHandlers.FailingHandler()))) {
      Message empty = stub(s).call(msg("1", "", "x"));
      Message unknown = stub(s).call(msg("2", "nope", "x"));
      Message failed = stub(s).call(msg("3", "boom", "fail"));

      assertThat(empty.getError().getCode()).isEqualTo(3);
      assertThat(empty.getError().getReason()).isEqualTo("ROUTE_EMPTY");
      assertThat(unknown.getError().getCode()).isEqualTo(12);
      assertThat(unknown.getError().getMetadataMap()).containsEntry("route", "nope");
      assertThat(unknown.getCorrelationId()).isEqualTo("2");
      assertThat(failed.getError().getCode()).isEqualTo(13);
      assertThat(failed.getError().getReason()).isEqualTo("HANDLER_FAILED");
      assertThat(failed.getError().getMessage()).doesNotContain("secret internal detail");
    }
  }

  @Test
  void aBlockingHandlerAnswersFromTheBlockingPoolAndSeesOpenThenClose() throws Exception {
    TestHandlers.BlockingRecording slow = new TestHandlers.BlockingRecording("slow");
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(slow))) {
      Message reply = stub(s).call(msg("b", "slow", "x"));

      assertThat(reply.getPayload().toStringUtf8()).startsWith("streamkit-blocking-");
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(slow.events).containsExactly("open", "message b", "close OK"));
    }
  }

  @Test
  void aDeniedRouteIsAReplyWithPermissionDenied() throws Exception {
    Authorizer noAdmin = new Authorizer() {
      @Override
      public boolean mayChat(Optional<Principal> principal, String route) {
        return !route.equals("echo");
      }
    };
    try (LoopbackServer s = LoopbackServer.start(b -> b.authorizer(noAdmin))) {
      Message reply = stub(s).call(msg("d", "echo", "x"));

      assertThat(reply.getError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED.value());
      assertThat(reply.getError().getReason()).isEqualTo("NOT_AUTHORIZED");
    }
  }

  @Test
  void aHandlerThatClosesWithAnErrorFailsTheCallWithIt() throws Exception {
    MessageHandler closer = new MessageHandler() {
      @Override
      public String route() {
        return "closer";
      }

      @Override
      public void onMessage(StreamContext context, Message message) {
        context.close(Status.FAILED_PRECONDITION.withDescription("not now"));
      }
    };
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(closer))) {
      StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
          () -> stub(s).call(msg("c", "closer", "x")));

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(e.getStatus().getDescription()).isEqualTo("not now");
      await().atMost(Duration.ofSeconds(5)).until(() -> s.server.stats().openStreams() == 0);
    }
  }

  @Test
  void aHandlerThatNeverRepliesLeavesTheCallOpenUntilTheDeadlineThenItsCloseHookRuns() throws Exception {
    TestHandlers.Recording silent = new TestHandlers.Recording("silent") {
      @Override
      public void onMessage(StreamContext context, Message message) {
        events.add("message " + message.getId());
      }
    };
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(silent))) {
      StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () ->
          StreamServiceGrpc.newBlockingStub(s.channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS)
              .call(msg("s", "silent", "x")));

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      // The client's deadline cancels the stream a moment before the server's copy of it expires, so the handler
      // sees either code, depending on which comes first.
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(silent.events).hasSize(3));
      assertThat(silent.events.subList(0, 2)).isEqualTo(List.of("open", "message s"));
      assertThat(silent.events.get(2)).isIn("close DEADLINE_EXCEEDED", "close CANCELLED");
      assertThat(s.server.stats().openStreams()).isZero();
    }
  }
}
