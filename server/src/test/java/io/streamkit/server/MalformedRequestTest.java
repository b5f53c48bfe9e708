package io.streamkit.server;

import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.ErrorInfo;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.testing.RawMethods;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Request bytes that are not a protobuf message end the stream with INVALID_ARGUMENT, not UNKNOWN. */
class MalformedRequestTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  /** Field 1 with wire type 7, which does not exist: never a valid message. */
  private static final byte[] GARBAGE = {0x0f, 1, 2, 3};

  /** Sends GARBAGE as the one request of {@code fullMethod}; returns the status, having checked its reason. */
  private static Status send(LoopbackServer s, String fullMethod, MethodDescriptor.MethodType type)
      throws InterruptedException {
    MethodDescriptor<byte[], byte[]> method = RawMethods.of(fullMethod, type);
    CountDownLatch done = new CountDownLatch(1);
    Status[] status = new Status[1];
    Metadata[] trailers = new Metadata[1];
    ClientCall<byte[], byte[]> call = s.channel.newCall(method, CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status st, Metadata t) {
        status[0] = st;
        trailers[0] = t;
        done.countDown();
      }
    }, new Metadata());
    call.request(1);
    call.sendMessage(GARBAGE);
    call.halfClose();
    assertThat(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the end of " + fullMethod).isTrue();
    ErrorInfo reason = Reasons.errorInfo(status[0], trailers[0]);
    assertThat(reason.getReason()).isEqualTo("REQUEST_MALFORMED");
    assertThat(reason.getMetadataMap()).isEqualTo(Map.of("method", fullMethod));
    return status[0];
  }

  @Test
  void undecodableRequestsOfEveryMethodEndWithInvalidArgumentNamingTheMethodAndLeaveNoStream() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      Status chat = send(s, "streamkit.v1.StreamService/Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
      Status subscribe =
          send(s, "streamkit.v1.StreamService/Subscribe", MethodDescriptor.MethodType.SERVER_STREAMING);
      Status publish = send(s, "streamkit.v1.StreamService/Publish", MethodDescriptor.MethodType.CLIENT_STREAMING);
      Status greeter = send(s, "example.Greeter/Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
      Status publishEvent = send(s, "streamkit.v1.StreamService/PublishEvent", MethodDescriptor.MethodType.UNARY);

      assertThat(chat.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(chat.getDescription()).isEqualTo("a request of streamkit.v1.StreamService/Chat is not a valid "
          + "Message: Invalid protobuf byte sequence (expected: the bytes of one protobuf message)");
      assertThat(subscribe.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(subscribe.getDescription()).startsWith(
          "a request of streamkit.v1.StreamService/Subscribe is not a valid SubscribeRequest: ");
      assertThat(publish.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(publish.getDescription()).startsWith(
          "a request of streamkit.v1.StreamService/Publish is not a valid PublishRequest: ");
      assertThat(greeter.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(greeter.getDescription()).startsWith("a request of example.Greeter/Chat is not a valid ");
      assertThat(publishEvent.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(publishEvent.getDescription()).startsWith(
          "a request of streamkit.v1.StreamService/PublishEvent is not a valid PublishRequest: ");
      await().atMost(WAIT).until(() -> s.server.stats().openStreams() == 0);

      // The connection is still good: a valid stream on it is served.
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      requests.onNext(msg("1", "echo", "still here"));
      requests.onCompleted();
      assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).hasSize(1);
    }
  }
}
