package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Request/reply over a real connection. The correlator's boundaries (a reply just before or after its deadline, a
 * stream ending under a send) are unit-tested in {@code internal.ChatCorrelatorTest}.
 */
@Timeout(30)
class RequestReplyTest {
  @RegisterExtension
  final LoopbackServer server = new LoopbackServer();

  @Test
  void aThousandOutstandingCallsAllCompleteWithTheirOwnReply() throws Exception {
    StreamKitClient client = server.newClient();
    List<CompletableFuture<Message>> replies = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      replies.add(client.call("echo", ByteString.copyFromUtf8("payload " + i)));
    }

    CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

    for (int i = 0; i < 1000; i++) {
      assertThat(replies.get(i).get().getPayload().toStringUtf8()).isEqualTo("payload " + i);
    }
    assertThat(replies).extracting(f -> f.get().getCorrelationId()).doesNotHaveDuplicates();
    assertThat(client.pendingCalls()).isZero();
    assertThat(client.openStreams()).as("all calls share one stream").isEqualTo(1);
  }

  @Test
  void headersTravelWithTheRequestAndComeBackInTheEcho() throws Exception {
    StreamKitClient client = server.newClient();

    Message reply = client.call("echo", ByteString.copyFromUtf8("x"), Map.of("tenant", "blue"))
        .get(5, TimeUnit.SECONDS);

    assertThat(reply.getHeadersMap()).containsEntry("tenant", "blue");
  }

  @Test
  void textAndBytePayloadsGoAsTheirBytes() throws Exception {
    StreamKitClient client = server.newClient();

    Message text = client.call("echo", "h\u00e9llo").get(5, TimeUnit.SECONDS);
    Message bytes = client.call("echo", new byte[] {0, 1, (byte) 0xff}).get(5, TimeUnit.SECONDS);

    assertThat(text.getCorrelationId()).as("call() gave the request an id, which the echo carries back")
        .isNotEmpty().isNotEqualTo(bytes.getCorrelationId());
    assertThat(text.getPayload().toStringUtf8()).isEqualTo("h\u00e9llo");
    assertThat(text.getPayload().size()).as("UTF-8: the \u00e9 is two bytes").isEqualTo(6);
    assertThat(bytes.getPayload().toByteArray()).containsExactly(0, 1, 0xff);
  }

  @Test
  void anErrorReplyFailsTheFutureWithItsCodeAndMessage() {
    StreamKitClient client = server.newClient();

    StreamKitException e = failure(client.call("nope", ByteString.EMPTY));

    assertThat(e.status().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(e.status().getDescription()).isEqualTo("no handler for route 'nope'");
    assertThat(e).hasMessage("UNIMPLEMENTED: no handler for route 'nope'");
    assertThat(client.pendingCalls()).isZero();
  }

  @Test
  void aCallWithoutReplyFailsWithDeadlineExceededAndLeavesNothingPending() throws Exception {
    StreamKitClient client = server.newClient();

    long start = System.nanoTime();
    StreamKitException e =
        failure(client.call("never", ByteString.EMPTY, Map.of(), Duration.ofMillis(100)));

    assertThat(e.status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
    assertThat(client.pendingCalls()).isZero();
  }

  @Test
  void aStreamFailureFailsEveryOutstandingCallAndTheNextCallOpensANewStream() throws Exception {
    StreamKitClient client = server.newClient();
    List<CompletableFuture<Message>> outstanding = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      outstanding.add(client.call("never", ByteString.EMPTY));
    }
    Message warmUp = client.call("echo", ByteString.EMPTY).get(5, TimeUnit.SECONDS);
    assertThat(warmUp).isNotNull();
    assertThat(client.pendingCalls()).isEqualTo(5);

    outstanding.add(client.call("fail", ByteString.EMPTY));

    for (CompletableFuture<Message> call : outstanding) {
      assertThat(failure(call).status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }
    assertThat(client.pendingCalls()).isZero();

    Message reply = client.call("echo", ByteString.copyFromUtf8("again")).get(5, TimeUnit.SECONDS);
    assertThat(reply.getPayload().toStringUtf8()).isEqualTo("again");
  }

  @Test
  void cancellingAFutureForgetsTheCall() {
    StreamKitClient client = server.newClient();
    CompletableFuture<Message> call = client.call("never", ByteString.EMPTY);
    assertThat(client.pendingCalls()).isEqualTo(1);

    call.cancel(false);

    assertThat(client.pendingCalls()).isZero();
  }

  @Test
  void closingTheClientFailsPendingCallsWithCancelled() {
    StreamKitClient client = server.newClient();
    CompletableFuture<Message> call = client.call("never", ByteString.EMPTY);

    client.close();

    assertThat(failure(call).status().getCode()).isEqualTo(Status.Code.CANCELLED);
  }

  private static StreamKitException failure(CompletableFuture<Message> future) {
    try {
      future.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(StreamKitException.class);
      return (StreamKitException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError("expected the call to fail, got " + e, e);
    }
    throw new AssertionError("expected the call to fail, but it succeeded");
  }
}
