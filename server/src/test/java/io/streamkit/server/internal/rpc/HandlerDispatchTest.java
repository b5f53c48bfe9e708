package io.streamkit.server.internal.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.server.handler.Blocking;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import io.streamkit.server.internal.security.SecurityPlan;
import io.streamkit.server.internal.tracing.ServerTracing;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dispatch a Chat stream and a unary call share, driven as a unary call would drive it: one request, a
 * recording outbound in place of a transport.
 */
@Timeout(20)
class HandlerDispatchTest {
  private final ExecutorService blocking = Executors.newFixedThreadPool(2);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final InMemoryBroker broker = InMemoryBroker.builder().build();

  @AfterEach
  void stop() {
    blocking.shutdownNow();
    timer.shutdownNow();
    broker.close();
  }

  /** Records what the context sends, as a unary call's single response would. */
  static final class RecordingOutbound implements ContextOutbound {
    final List<Message> sent = new CopyOnWriteArrayList<>();
    volatile Status end;

    @Override
    public boolean send(Message message) {
      if (end != null) {
        return false;
      }
      sent.add(message);
      return true;
    }

    @Override
    public void close(Status status) {
      if (end == null) {
        end = status;
      }
    }

    @Override
    public Status endStatus() {
      return end;
    }

    @Override
    public boolean readyForPush() {
      return end == null;
    }
  }

  /** Records its callbacks; route {@code rec}; throws for payload "fail", replies otherwise. */
  static class Recorder implements MessageHandler {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public String route() {
      return "rec";
    }

    @Override
    public void onOpen(StreamContext context) {
      calls.add("open");
    }

    @Override
    public void onMessage(StreamContext context, Message message) {
      calls.add("message " + message.getId());
      threads.add(Thread.currentThread().getName());
      if (message.getPayload().toStringUtf8().equals("fail")) {
        throw new IllegalStateException("secret detail");
      }
      context.reply(message, Message.newBuilder().setPayload(message.getPayload()).build());
    }

    @Override
    public void onClose(StreamContext context, Status status) {
      calls.add("close " + status.getCode());
    }
  }

  /** A blocking route whose onMessage waits until the test opens its gate. */
  @Blocking
  static final class BlockingRecorder extends Recorder {
    final CountDownLatch gate = new CountDownLatch(1);

    @Override
    public String route() {
      return "blocking";
    }

    @Override
    public void onMessage(StreamContext context, Message message) {
      try {
        if (!gate.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never opened the gate");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      super.onMessage(context, message);
    }
  }

  private final RecordingOutbound outbound = new RecordingOutbound();
  private final StreamEnd end = new StreamEnd("call-1");

  private HandlerDispatch dispatch(boolean repliesNeedIds, MessageHandler... handlers) {
    ServerContext server = new ServerContext(RouteTable.of(List.of(handlers)), new StreamRegistry(), blocking,
        1 << 20, broker, timer, Duration.ZERO, new SecurityPlan().callSecurity(), ServerTracing.OFF);
    HandlerContext context = new HandlerContext(
        new StreamIdentity("call-1", null, Optional.empty(), new Metadata(), null), broker, outbound, end,
        repliesNeedIds);
    return new HandlerDispatch(server, context, "Chat", () -> {});
  }

  private static Message request(String id, String route, String payload) {
    return Message.newBuilder().setId(id).setRoute(route).setPayload(ByteString.copyFromUtf8(payload)).build();
  }

  @Test
  void aRequestReachesItsHandlerInlineBetweenOpenAndCloseAndTheReplyIsCorrelated() {
    Recorder handler = new Recorder();
    HandlerDispatch dispatch = dispatch(false, handler);

    dispatch.dispatch(request("r1", "rec", "hello"));
    end.end();
    dispatch.closeHandlers(Status.OK, null);

    assertThat(handler.calls).containsExactly("open", "message r1", "close OK");
    assertThat(handler.threads).containsExactly(Thread.currentThread().getName());
    assertThat(outbound.sent).singleElement().satisfies(reply -> {
      assertThat(reply.getCorrelationId()).isEqualTo("r1");
      assertThat(reply.getRoute()).isEqualTo("rec");
      assertThat(reply.getPayload().toStringUtf8()).isEqualTo("hello");
    });
  }

  @Test
  void anUnknownRouteGetsAnUnimplementedErrorWithReasonRouteUnknownAndTheRoute() {
    dispatch(false, new Recorder()).dispatch(request("r1", "nope", ""));

    assertThat(outbound.sent).singleElement().satisfies(reply -> {
      assertThat(reply.getCorrelationId()).isEqualTo("r1");
      assertThat(reply.getError().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED.value());
      assertThat(reply.getError().getReason()).isEqualTo("ROUTE_UNKNOWN");
      assertThat(reply.getError().getMetadataMap()).containsExactlyEntriesOf(java.util.Map.of("route", "nope"));
    });
  }

  @Test
  void anEmptyRouteGetsAnInvalidArgumentErrorWithReasonRouteEmpty() {
    dispatch(false, new Recorder()).dispatch(request("r1", "", ""));

    assertThat(outbound.sent).singleElement().satisfies(reply -> {
      assertThat(reply.getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
      assertThat(reply.getError().getReason()).isEqualTo("ROUTE_EMPTY");
    });
  }

  @Test
  void aFailingHandlerGetsAnInternalErrorWithReasonHandlerFailedNamingRouteAndStreamButNotTheException() {
    dispatch(false, new Recorder()).dispatch(request("r1", "rec", "fail"));

    assertThat(outbound.sent).singleElement().satisfies(reply -> {
      assertThat(reply.getError().getCode()).isEqualTo(Status.Code.INTERNAL.value());
      assertThat(reply.getError().getReason()).isEqualTo("HANDLER_FAILED");
      assertThat(reply.getError().getMetadataMap()).containsEntry("route", "rec").containsEntry("stream_id", "call-1");
      assertThat(reply.getError().getMessage()).doesNotContain("secret detail");
    });
  }

  @Test
  void theCloseHookWaitsForEveryMessageQueuedBeforeItOnTheBlockingExecutor() throws Exception {
    BlockingRecorder handler = new BlockingRecorder();
    HandlerDispatch dispatch = dispatch(false, handler);

    dispatch.dispatch(request("r1", "blocking", "x"));
    dispatch.dispatch(request("r2", "blocking", "y"));
    dispatch.closeHandlers(Status.OK, () -> handler.calls.add("then"));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> handler.calls.size() == 1);
    assertThat(handler.calls).as("r1 is held at the gate; nothing overtakes it").containsExactly("open");

    handler.gate.countDown();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> handler.calls.size() == 5);
    assertThat(handler.calls).containsExactly("open", "message r1", "message r2", "close OK", "then");
    assertThat(handler.threads).hasSize(2).allSatisfy(t -> assertThat(t).isNotEqualTo(Thread.currentThread().getName()));
    assertThat(outbound.sent).extracting(Message::getCorrelationId).containsExactly("r1", "r2");
  }

  @Test
  void aMessageThatArrivesAfterTheEndReachesNoHandler() {
    Recorder handler = new Recorder();
    HandlerDispatch dispatch = dispatch(false, handler);
    outbound.close(Status.CANCELLED);

    dispatch.dispatch(request("r1", "rec", "late"));

    assertThat(handler.calls).isEmpty();
    assertThat(outbound.sent).isEmpty();
  }

  @Test
  void whereRepliesNeedIdsAReplyToARequestWithoutIdIsReplacedByMessageIdMissing() {
    Recorder handler = new Recorder();
    dispatch(true, handler).dispatch(request("", "rec", "hello"));

    assertThat(handler.calls).containsExactly("open", "message ");
    assertThat(outbound.sent).singleElement().satisfies(reply -> {
      assertThat(reply.getCorrelationId()).isEmpty();
      assertThat(reply.getPayload()).isEmpty();
      assertThat(reply.getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
      assertThat(reply.getError().getReason()).isEqualTo("MESSAGE_ID_MISSING");
      assertThat(reply.getError().getMetadataMap()).containsEntry("route", "rec");
      assertThat(reply.getError().getMessage()).contains("Message.id");
    });
  }

  @Test
  void stepsRegisteredOnTheEndRunOnceAndLateOnesRunAtOnce() {
    List<String> ran = new CopyOnWriteArrayList<>();
    end.onEnd(() -> ran.add("first"));

    assertThat(end.end()).isTrue();
    assertThat(end.end()).isFalse();
    end.onEnd(() -> ran.add("late"));

    assertThat(ran).containsExactly("first", "late");
  }
}
