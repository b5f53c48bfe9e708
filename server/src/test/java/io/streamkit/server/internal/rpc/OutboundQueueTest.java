package io.streamkit.server.internal.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.Message;
import io.streamkit.server.ErrorDetails;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The outbound side of one stream at its boundaries, over a recording ServerCall. */
@Timeout(10)
class OutboundQueueTest {
  private final RecordingServerCall call = new RecordingServerCall();
  private final StreamRegistry registry = new StreamRegistry();
  private final List<Status> ended = new CopyOnWriteArrayList<>();

  private static Message message(String id) {
    return Message.newBuilder().setId(id).setRoute("r").setPayload(ByteString.copyFrom(new byte[100])).build();
  }

  private static final int SIZE = message("1").getSerializedSize();

  private OutboundQueue<Message> queue(long maxQueuedBytes) {
    OutboundQueue<Message> q = new OutboundQueue<>(call, maxQueuedBytes, "chat-1", registry, ended::add);
    q.start(8);
    return q;
  }

  @Test
  void aSendWhileReadyWithNothingQueuedIsWrittenAtOnceWithTheHeadersBeforeIt() {
    call.ready = true;
    OutboundQueue<Message> q = queue(10 * SIZE);

    assertThat(q.send(message("1"))).isTrue();
    assertThat(q.send(message("2"))).isTrue();

    assertThat(call.log).containsExactly("request 8", "headers", "message 1", "message 2");
    assertThat(q.queuedBytes()).isZero();
  }

  @Test
  void aQueueFilledToExactlyItsByteLimitKeepsEveryMessage() {
    OutboundQueue<Message> q = queue(3L * SIZE);

    assertThat(q.send(message("1"))).isTrue();
    assertThat(q.send(message("2"))).isTrue();
    assertThat(q.send(message("3"))).isTrue();

    assertThat(q.queuedBytes()).isEqualTo(3L * SIZE);
    assertThat(registry.queuedOutboundBytes()).isEqualTo(3L * SIZE);
    assertThat(q.endStatus()).isNull();
    assertThat(call.closeStatus).isNull();
    assertThat(ended).isEmpty();

    call.ready = true;
    q.onReady();
    assertThat(call.sent).extracting(Message::getId).containsExactly("1", "2", "3");
    assertThat(registry.queuedOutboundBytes()).isZero();
  }

  @Test
  void oneByteOverTheLimitEndsTheStreamWithOutboundBufferFullAndDropsTheQueue() {
    OutboundQueue<Message> q = queue(3L * SIZE - 1);

    assertThat(q.send(message("1"))).isTrue();
    assertThat(q.send(message("2"))).isTrue();
    assertThat(q.send(message("3"))).as("the send that would pass the bound").isFalse();

    assertThat(call.closeStatus.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(call.closeStatus.getDescription()).contains("maxQueuedBytesPerStream=" + (3L * SIZE - 1));
    assertThat(ErrorDetails.reason(call.closeStatus)).isEqualTo(ErrorReason.OUTBOUND_BUFFER_FULL);
    assertThat(call.closeTrailers.keys()).contains("grpc-status-details-bin");
    assertThat(call.sent).as("nothing queued is written after the overflow").isEmpty();
    assertThat(q.queuedBytes()).isZero();
    assertThat(registry.queuedOutboundBytes()).isZero();
    assertThat(ended).singleElement().isSameAs(q.endStatus());
    assertThat(q.send(message("4"))).isFalse();
    assertThat(ended).hasSize(1);
  }

  @Test
  void creditIsReturnedAtOnceWhileNothingIsQueued() {
    call.ready = true;
    OutboundQueue<Message> q = queue(10 * SIZE);

    q.returnInboundCredit();

    assertThat(call.requested).isEqualTo(8 + 1);
  }

  @Test
  void creditIsHeldWhileMessagesAreQueuedAndReturnedOnceTheyDrained() {
    OutboundQueue<Message> q = queue(10 * SIZE);
    q.send(message("1"));
    q.send(message("2"));

    q.returnInboundCredit();
    q.returnInboundCredit();
    assertThat(call.requested).as("held: the client is not reading").isEqualTo(8);

    call.ready = true;
    q.send(message("3")); // behind the queue: queued, not written
    assertThat(call.sent).isEmpty();
    q.onReady();

    assertThat(call.log).containsExactly("request 8", "headers", "message 1", "message 2", "message 3", "request 2");
  }

  @Test
  void creditIsHeldWhenOnlyPartOfTheQueueDrained() {
    OutboundQueue<Message> q = queue(10 * SIZE);
    q.send(message("1"));
    q.returnInboundCredit();

    q.onReady(); // spurious: the call is still not ready
    assertThat(call.requested).isEqualTo(8);
    assertThat(call.sent).isEmpty();
  }

  @Test
  void anOrderlyCloseWhileMessagesAreQueuedWritesThemFirstThenTheStatus() {
    OutboundQueue<Message> q = queue(10 * SIZE);
    q.send(message("1"));
    q.send(message("2"));

    assertThat(q.close(Status.OK)).isTrue();
    assertThat(call.closeStatus).as("not before the queue drained").isNull();
    assertThat(q.send(message("late"))).as("no send after a close").isFalse();
    assertThat(q.close(Status.INTERNAL)).as("the first end wins").isFalse();
    assertThat(q.endStatus()).isSameAs(Status.OK);

    call.ready = true;
    q.onReady();
    assertThat(call.log).containsExactly("request 8", "headers", "message 1", "message 2", "close OK");
    assertThat(ended).containsExactly(Status.OK);
  }

  @Test
  void anAbortWhileMessagesAreQueuedDropsThemAndClosesAtOnce() {
    OutboundQueue<Message> q = queue(10 * SIZE);
    q.send(message("1"));
    Status shutdown = Status.UNAVAILABLE.withDescription("server is shutting down");

    assertThat(q.abort(shutdown)).isTrue();

    assertThat(call.log).containsExactly("request 8", "close UNAVAILABLE");
    assertThat(registry.queuedOutboundBytes()).isZero();
    assertThat(ended).containsExactly(shutdown);
    assertThat(q.abort(shutdown)).isFalse();
  }

  @Test
  void anAbortCuttingShortAnOrderlyCloseClosesWithTheAbortsStatusNotOk() {
    OutboundQueue<Message> q = queue(10 * SIZE);
    q.send(message("1"));
    q.close(Status.OK);

    q.abort(Status.UNAVAILABLE.withDescription("server is shutting down"));

    assertThat(call.log).as("message 1 was dropped: the client must not read OK")
        .containsExactly("request 8", "close UNAVAILABLE");
    assertThat(q.endStatus()).as("what handlers were told first").isSameAs(Status.OK);
  }

  @Test
  void theTransportsEndDropsTheQueueAndReportsTheServersEarlierEnd() {
    OutboundQueue<Message> q = queue(10 * SIZE);
    q.send(message("1"));
    Status closedByHandler = Status.FAILED_PRECONDITION.withDescription("bye");
    q.close(closedByHandler);

    Status reported = q.transportEnded(Status.CANCELLED);

    assertThat(reported).isSameAs(closedByHandler);
    assertThat(q.queuedBytes()).isZero();
    q.returnInboundCredit();
    call.ready = true;
    q.onReady();
    assertThat(call.log).as("the call is over: nothing more touches it").containsExactly("request 8");
  }

  @Test
  void aPushIsReadyOnlyWithNothingQueuedAndTheCallReady() {
    OutboundQueue<Message> q = queue(10 * SIZE);
    assertThat(q.readyForPush()).isFalse();
    call.ready = true;
    assertThat(q.readyForPush()).isTrue();
    call.ready = false;
    q.send(message("1"));
    call.ready = true;
    assertThat(q.readyForPush()).as("a push would overtake the queued message").isFalse();
    q.onReady();
    assertThat(q.readyForPush()).isTrue();
    q.close(Status.OK);
    assertThat(q.readyForPush()).isFalse();
  }
}
