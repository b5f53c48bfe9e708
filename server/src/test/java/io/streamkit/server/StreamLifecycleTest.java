package io.streamkit.server;

import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class StreamLifecycleTest {

  @Test
  void halfCloseRunsTheCloseHookThenCompletesOkAfterEveryReply() throws Exception {
    // HandlerDispatchTest holds the handler at a gate to pin the race; here the whole stream is checked.
    TestHandlers.BlockingRecording slow = new TestHandlers.BlockingRecording("slow");
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(slow))) {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      for (int i = 0; i < 10; i++) {
        requests.onNext(msg("m" + i, "slow", "x"));
      }
      requests.onCompleted(); // long before the handler is done

      assertThat(replies.awaitStatus(Duration.ofSeconds(10)).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).hasSize(11);
      assertThat(replies.values.subList(0, 10)).extracting(Message::getCorrelationId)
          .containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
      assertThat(replies.values.get(10).getPayload().toStringUtf8()).isEqualTo("bye");
      assertThat(slow.events).first().isEqualTo("open");
      assertThat(slow.events).last().isEqualTo("close OK");
    }
  }

  @Test
  void clientCancelReachesTheHandlerAndReleasesTheStream() throws Exception {
    TestHandlers.Recording handler = new TestHandlers.Recording("rec");
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(handler))) {
      AtomicReference<ClientCallStreamObserver<Message>> call = new AtomicReference<>();
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests =
          StreamServiceGrpc.newStub(s.channel)
              .chat(
                  new ClientResponseObserver<Message, Message>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<Message> requestStream) {
                      call.set(requestStream);
                    }

                    @Override
                    public void onNext(Message value) {
                      replies.onNext(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                      replies.onError(t);
                    }

                    @Override
                    public void onCompleted() {
                      replies.onCompleted();
                    }
                  });
      requests.onNext(msg("1", "rec", "x"));
      replies.awaitValues(1, Duration.ofSeconds(5));
      assertThat(s.server.stats().openStreams()).isEqualTo(1);

      call.get().cancel("user closed the window", null);

      await().atMost(Duration.ofSeconds(5)).until(() -> !handler.closeStatuses.isEmpty());
      assertThat(handler.closeStatuses.get(0).getCode()).isEqualTo(Status.Code.CANCELLED);
      assertThat(handler.cancelledAtClose).containsExactly(true);
      await().atMost(Duration.ofSeconds(5)).until(() -> s.server.stats().openStreams() == 0);
    }
  }

  @Test
  void nonBlockingHandlersRunOnTheTransportThreadAndBlockingOnesOnTheBlockingPool() throws Exception {
    TestHandlers.Recording fast = new TestHandlers.Recording("fast");
    TestHandlers.BlockingRecording slow = new TestHandlers.BlockingRecording("slow");
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(fast).handler(slow))) {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      requests.onNext(msg("1", "fast", ""));
      replies.awaitValues(1, Duration.ofSeconds(5)); // let the sequencer go idle so "fast" may run inline
      requests.onNext(msg("2", "slow", ""));
      requests.onCompleted();
      replies.awaitStatus(Duration.ofSeconds(5));

      assertThat(fast.threads).singleElement().asString().doesNotStartWith("streamkit-blocking");
      assertThat(fast.threads.get(0)).contains("worker"); // grpc-java's Netty event-loop threads
      assertThat(slow.threads).singleElement().asString().startsWith("streamkit-blocking");
    }
  }

  @Test
  void callbacksOfOneStreamStayInOrderAcrossBlockingAndNonBlockingRoutes() throws Exception {
    TestHandlers.Recording fast = new TestHandlers.Recording("fast");
    // The interleavings themselves are HandlerSequencerTest's; here the wiring of a real stream.
    TestHandlers.BlockingRecording slow = new TestHandlers.BlockingRecording("slow");
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(fast).handler(slow))) {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      for (int i = 0; i < 40; i++) {
        requests.onNext(msg(Integer.toString(i), i % 3 == 0 ? "slow" : "fast", ""));
      }
      requests.onCompleted();

      assertThat(replies.awaitStatus(Duration.ofSeconds(10)).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values.stream().filter(m -> !m.getCorrelationId().isEmpty()))
          .extracting(Message::getCorrelationId)
          .containsExactly(java.util.stream.IntStream.range(0, 40).mapToObj(Integer::toString).toArray(String[]::new));
    }
  }

  @Test
  void serverShutdownEndsOpenStreamsWithUnavailableAfterTheGracePeriod() throws Exception {
    LoopbackServer s = LoopbackServer.start(b -> b.settings(o -> o.shutdownGracePeriod(Duration.ofMillis(300))));
    try {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      requests.onNext(msg("1", "echo", "x"));
      replies.awaitValues(1, Duration.ofSeconds(5));

      long start = System.nanoTime();
      s.server.close();
      Status status = replies.awaitStatus(Duration.ofSeconds(5));
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

      assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(status.getDescription()).contains("shutting down");
      assertThat(replies.awaitErrorInfo(Duration.ofSeconds(5)).getReason()).isEqualTo("SERVER_SHUTTING_DOWN");
      assertThat(elapsedMillis).isGreaterThanOrEqualTo(250);
    } finally {
      s.close();
    }
  }
}
