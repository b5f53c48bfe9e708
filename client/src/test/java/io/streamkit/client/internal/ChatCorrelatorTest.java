package io.streamkit.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.Error;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.Message;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.StreamListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The request/reply correlator at its boundaries, over recording fake streams and a timer that moves only when
 * the test says: replies just before and just after a deadline, error replies, streams that end under pending
 * calls or under a send.
 */
@Timeout(10)
class ChatCorrelatorTest {
  private static final Duration DEADLINE = Duration.ofMillis(100);

  private final ManualTimer timer = new ManualTimer();
  private final List<FakeStream> streams = new ArrayList<>();
  private final ChatCorrelator correlator = new ChatCorrelator(listener -> {
    FakeStream stream = new FakeStream(listener);
    streams.add(stream);
    return stream;
  }, Runnable::run, timer);

  /** A recording fake of the Chat stream: keeps what was sent; the test plays the server through the listener. */
  private static final class FakeStream implements ChatCorrelator.RequestStream {
    final StreamListener<Message> listener;
    final List<Message> sent = new ArrayList<>();
    StreamKitException failNextSend;
    boolean open = true;
    boolean sendClosed;
    Status cancelledWith;

    FakeStream(StreamListener<Message> listener) {
      this.listener = listener;
    }

    @Override
    public void send(Message request) {
      if (failNextSend != null) {
        StreamKitException e = failNextSend;
        failNextSend = null;
        throw e;
      }
      sent.add(request);
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void closeSend() {
      sendClosed = true;
    }

    @Override
    public void cancel(Status status) {
      open = false;
      cancelledWith = status;
    }

    void reply(Message request, String payload) {
      listener.onMessage(Message.newBuilder().setCorrelationId(request.getId()).setRoute(request.getRoute())
          .setPayload(ByteString.copyFromUtf8(payload)).build());
    }
  }

  private CompletableFuture<Message> call(String route) {
    return correlator.call(route, ByteString.EMPTY, Map.of(), DEADLINE);
  }

  private static StreamKitException failure(CompletableFuture<?> future) {
    assertThat(future).isCompletedExceptionally();
    try {
      future.join();
    } catch (CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(StreamKitException.class);
      return (StreamKitException) e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void aReplyArrivingAfterItsDeadlineIsDroppedAndTheStreamGoesOnServingCalls() {
    CompletableFuture<Message> late = call("slow");
    Message request = streams.get(0).sent.get(0);

    timer.advance(DEADLINE);
    assertThat(failure(late).status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(failure(late)).hasMessageContaining("no reply to call " + request.getId() + " (route 'slow')");
    assertThat(correlator.pendingCount()).isZero();

    streams.get(0).reply(request, "too late");
    assertThat(correlator.lateReplies()).isEqualTo(1);
    assertThat(late.isCompletedExceptionally()).as("a late reply changes nothing").isTrue();

    CompletableFuture<Message> next = call("echo");
    streams.get(0).reply(streams.get(0).sent.get(1), "fine");
    assertThat(next.join().getPayload().toStringUtf8()).isEqualTo("fine");
    assertThat(streams).as("the same stream serves the next call").hasSize(1);
  }

  @Test
  void aReplyJustBeforeItsDeadlineCompletesTheCallAndTheDeadlineIsForgotten() {
    CompletableFuture<Message> call = call("echo");
    timer.advance(DEADLINE.minusNanos(1));

    streams.get(0).reply(streams.get(0).sent.get(0), "in time");
    timer.advance(Duration.ofSeconds(1));

    assertThat(call.join().getPayload().toStringUtf8()).isEqualTo("in time");
    assertThat(timer.pending()).as("the deadline was cancelled").isZero();
    assertThat(correlator.lateReplies()).isZero();
  }

  @Test
  void everyCallGetsItsOwnIdAndTheReplyWithThatCorrelationIdCompletesIt() {
    CompletableFuture<Message> first = call("a");
    CompletableFuture<Message> second = call("b");
    List<Message> sent = streams.get(0).sent;
    assertThat(sent.get(0).getId()).isNotEmpty().isNotEqualTo(sent.get(1).getId());

    streams.get(0).reply(sent.get(1), "two");
    streams.get(0).reply(sent.get(0), "one");

    assertThat(first.join().getPayload().toStringUtf8()).isEqualTo("one");
    assertThat(second.join().getPayload().toStringUtf8()).isEqualTo("two");
  }

  @Test
  void anErrorReplyFailsTheCallWithItsCodeReasonAndMetadata() {
    CompletableFuture<Message> call = call("nope");
    streams.get(0).listener.onMessage(Message.newBuilder().setCorrelationId(streams.get(0).sent.get(0).getId())
        .setError(Error.newBuilder().setCode(Status.Code.UNIMPLEMENTED.value())
            .setMessage("no handler for route 'nope'").setReason("ROUTE_UNKNOWN").putMetadata("route", "nope"))
        .build());

    StreamKitException e = failure(call);
    assertThat(e).hasMessage("UNIMPLEMENTED: no handler for route 'nope'");
    assertThat(e.reason()).isEqualTo(ErrorReason.ROUTE_UNKNOWN);
    assertThat(e.metadata()).containsEntry("route", "nope");
  }

  @Test
  void aReplyWithoutCorrelationIdMatchesNoCall() {
    CompletableFuture<Message> call = call("echo");
    streams.get(0).listener.onMessage(Message.newBuilder()
        .setError(Error.newBuilder().setCode(3).setReason("MESSAGE_ID_MISSING")).build());

    assertThat(call).isNotDone();
    assertThat(correlator.lateReplies()).isEqualTo(1);
  }

  @Test
  void theStreamEndingFailsEveryPendingCallWithItsStatusAndTheNextCallOpensANewStream() {
    List<CompletableFuture<Message>> pending = List.of(call("a"), call("b"), call("c"));

    streams.get(0).listener.onError(new StreamKitException(Status.UNAVAILABLE.withDescription("gone")));

    for (CompletableFuture<Message> call : pending) {
      assertThat(failure(call)).hasMessage("UNAVAILABLE: gone");
    }
    assertThat(correlator.pendingCount()).isZero();
    call("d");
    assertThat(streams).hasSize(2);
    assertThat(streams.get(1).sent).hasSize(1);
  }

  @Test
  void aSendThatFindsTheStreamEndedGoesOutOnANewStream() {
    call("warm-up");
    streams.get(0).open = false;
    streams.get(0).failNextSend = new StreamKitException(Status.UNAVAILABLE.withDescription("ended"));

    CompletableFuture<Message> call = call("echo");

    assertThat(streams).hasSize(2);
    streams.get(1).reply(streams.get(1).sent.get(0), "second stream");
    assertThat(call.join().getPayload().toStringUtf8()).isEqualTo("second stream");
  }

  @Test
  void aFullOutboundBufferFailsOnlyThatCall() {
    CompletableFuture<Message> other = call("echo");
    streams.get(0).failNextSend = new StreamKitException(Status.RESOURCE_EXHAUSTED.withDescription("full"));

    CompletableFuture<Message> call = call("echo");

    assertThat(failure(call).status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(other).isNotDone();
    assertThat(streams).hasSize(1);
    assertThat(correlator.pendingCount()).isEqualTo(1);
  }

  @Test
  void anIdleStreamIsRetiredWhenTheConnectionGoesAwayAndTheNextCallOpensAnother() {
    CompletableFuture<Message> answered = call("echo");
    streams.get(0).reply(streams.get(0).sent.get(0), "ok");
    assertThat(answered).isDone();

    correlator.retireIfIdle();

    assertThat(streams.get(0).sendClosed).isTrue();
    streams.get(0).listener.onCompleted(); // the server ends it; nothing was pending
    call("next");
    assertThat(streams).hasSize(2);
  }

  @Test
  void aStreamWithACallPendingIsNotRetired() {
    CompletableFuture<Message> pending = call("slow");

    correlator.retireIfIdle();

    assertThat(streams.get(0).sendClosed).isFalse();
    streams.get(0).reply(streams.get(0).sent.get(0), "late but fine");
    assertThat(pending.join().getPayload().toStringUtf8()).isEqualTo("late but fine");
  }

  @Test
  void cancellingTheFutureForgetsTheCallAndItsDeadline() {
    CompletableFuture<Message> call = call("never");
    call.cancel(false);

    assertThat(correlator.pendingCount()).isZero();
    assertThat(timer.pending()).isZero();
  }

  @Test
  void closingFailsPendingCallsCancelsTheStreamAndLaterCallsAreACallerMistake() {
    CompletableFuture<Message> call = call("never");

    correlator.close(Status.CANCELLED.withDescription("StreamKitClient closed"));

    assertThat(failure(call).status().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(streams.get(0).cancelledWith.getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThatThrownBy(() -> call("again")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }
}
