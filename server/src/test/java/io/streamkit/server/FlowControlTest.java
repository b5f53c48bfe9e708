package io.streamkit.server;

import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class FlowControlTest {
  private static final int BOUND = 64 * 1024;
  private static final ByteString KIB = ByteString.copyFrom(new byte[1024]);

  /** A client call that never asks for replies: the peer of a client that does not read. */
  static final class NonReadingCall extends ClientCall.Listener<Message> {
    final List<Message> received = new CopyOnWriteArrayList<>();
    volatile Metadata trailers;
    volatile Status status;

    @Override
    public void onMessage(Message message) {
      received.add(message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      this.trailers = trailers;
      this.status = status;
    }
  }

  @Test
  void aFastSenderToAClientThatDoesNotReadIsSlowedDownAndTheServerBufferStaysUnderItsBound() throws Exception {
    Mirror mirror = new Mirror();
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(mirror).settings(o -> o.maxQueuedBytesPerStream(BOUND)))) {
      ClientCall<Message, Message> call =
          s.channel.newCall(StreamServiceGrpc.getChatMethod(), CallOptions.DEFAULT);
      NonReadingCall listener = new NonReadingCall();
      call.start(listener, new Metadata()); // and never call.request(n)

      int sent = 0;
      long start = System.nanoTime();
      long lastProgress = start;
      // Send while the transport takes more; stop once it has refused for 500 ms (the connection may take a
      // moment to come up first).
      while (sent == 0 ? System.nanoTime() - start < 10_000_000_000L
          : System.nanoTime() - lastProgress < 500_000_000L) {
        if (call.isReady()) {
          call.sendMessage(Message.newBuilder().setId("m" + sent).setRoute("mirror").setPayload(KIB).build());
          sent++;
          lastProgress = System.nanoTime();
        } else {
          Thread.sleep(1);
        }
      }

      ServerStats stats = s.server.stats();
      // HTTP/2 windows (1 MiB each way by default) plus grpc's 32 KiB ready threshold hold ~2,100 messages;
      // without backpressure the sender would go on for as long as we let it.
      assertThat(sent).isBetween(100, 4000);
      assertThat(stats.peakQueuedOutboundBytesPerStream()).isPositive().isLessThanOrEqualTo(BOUND);
      assertThat(stats.openStreams()).isEqualTo(1);
      assertThat(listener.status).as("the stream is slowed down, not failed").isNull();
      assertThat(mirror.closed).as("the server did not have to end the stream").isEmpty();
      // The server stopped reading: the messages it did not handle wait in the transport (its HTTP/2 window) until
      // its replies can go out. A server that read everything (and queued or dropped the replies) handles all.
      int handled = mirror.handled;
      assertThat(handled).as("messages the server handled of %d sent", sent).isPositive().isLessThan(sent);
      await("the server handles no more while its replies cannot go out").during(Duration.ofMillis(500))
          .atMost(Duration.ofSeconds(5)).until(() -> mirror.handled == handled);

      assertServerStillServesOthers(s);
      call.cancel("test over", null);
    }
  }

  /** Route {@code mirror}: echoes, and records whether the stream was ended. */
  static final class Mirror implements MessageHandler {
    final List<Status> closed = new CopyOnWriteArrayList<>();
    volatile int handled;

    @Override
    public String route() {
      return "mirror";
    }

    @Override
    public void onMessage(StreamContext context, Message message) {
      handled++;
      context.reply(message, Message.newBuilder().setPayload(message.getPayload()).build());
    }

    @Override
    public void onClose(StreamContext context, Status status) {
      closed.add(status);
    }
  }

  /** Route {@code flood}: pushes 1 KiB messages until the stream refuses them. */
  static final class Flood implements MessageHandler {
    final List<Status> closed = new CopyOnWriteArrayList<>();
    volatile int accepted;

    @Override
    public String route() {
      return "flood";
    }

    @Override
    public void onMessage(StreamContext context, Message message) {
      int n = 0;
      while (n < 100_000 && context.send(Message.newBuilder().setPayload(KIB).build())) {
        n++;
      }
      accepted = n;
    }

    @Override
    public void onClose(StreamContext context, Status status) {
      closed.add(status);
    }
  }

  @Test
  void pushingPastTheBoundToAClientThatDoesNotReadEndsThatStreamWithResourceExhausted() throws Exception {
    Flood flood = new Flood();
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(flood).settings(o -> o.maxQueuedBytesPerStream(BOUND)))) {
      ClientCall<Message, Message> call =
          s.channel.newCall(StreamServiceGrpc.getChatMethod(), CallOptions.DEFAULT);
      NonReadingCall listener = new NonReadingCall();
      call.start(listener, new Metadata());
      call.sendMessage(msg("go", "flood", ""));

      await().atMost(Duration.ofSeconds(5)).until(() -> !flood.closed.isEmpty());
      assertThat(flood.closed.get(0).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(flood.accepted).isLessThan(1000);
      assertThat(s.server.stats().peakQueuedOutboundBytesPerStream()).isLessThanOrEqualTo(BOUND);
      assertServerStillServesOthers(s);

      call.request(Integer.MAX_VALUE); // now read: what was written arrives, then the status
      await().atMost(Duration.ofSeconds(5)).until(() -> listener.status != null);
      assertThat(listener.status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(listener.status.getDescription()).contains("maxQueuedBytesPerStream=" + BOUND);
      com.google.rpc.ErrorInfo reason = Reasons.errorInfo(listener.status, listener.trailers);
      assertThat(reason.getReason()).isEqualTo("OUTBOUND_BUFFER_FULL");
      assertThat(reason.getMetadataMap()).isEqualTo(java.util.Map.of("limit_bytes", Integer.toString(BOUND)));
      // What it accepted before the bound, at most: nothing past the bound is sent.
      assertThat(listener.received.size()).isPositive().isLessThanOrEqualTo(flood.accepted);
    }
  }

  private static void assertServerStillServesOthers(LoopbackServer s) throws InterruptedException {
    RecordingObserver<Message> replies = new RecordingObserver<>();
    StreamObserver<Message> other = StreamServiceGrpc.newStub(s.channel).chat(replies);
    other.onNext(msg("other", "echo", "still here"));
    other.onCompleted();
    assertThat(replies.awaitStatus(Duration.ofSeconds(5)).getCode()).isEqualTo(Status.Code.OK);
    assertThat(replies.values).extracting(m -> m.getPayload().toStringUtf8()).containsExactly("still here");
  }
}
