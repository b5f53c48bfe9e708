package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code client.publish(topic, payload)} against a plain grpc-java PublishEvent that stores (numbers) events,
 * answers topic "down" with UNAVAILABLE and reason BROKER_UNAVAILABLE, and never answers topic "hold".
 */
@Timeout(30)
class OneCallPublishTest {
  private final AtomicLong stored = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private final AtomicReference<ByteString> lastPayload = new AtomicReference<>();
  private Server server;
  private final List<StreamKitClient> clients = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new StreamServiceGrpc.StreamServiceImplBase() {
          @Override
          public void publishEvent(PublishRequest request, StreamObserver<PublishAck> ack) {
            received.incrementAndGet();
            lastPayload.set(request.getPayload());
            switch (request.getTopic()) {
              case "hold" -> { }
              case "down" -> {
                Status status = Status.UNAVAILABLE.withDescription("redis is unreachable");
                ack.onError(status.asRuntimeException(SubscriptionTest.reason(status, ErrorReason.BROKER_UNAVAILABLE,
                    Map.of("topic", "down"))));
              }
              default -> {
                ack.onNext(PublishAck.newBuilder().setCount(1)
                    .putLastOffsets(request.getTopic(), stored.incrementAndGet()).build());
                ack.onCompleted();
              }
            }
          }
        })
        .build()
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    clients.forEach(StreamKitClient::close);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private StreamKitClient client(StreamKitClient.Builder builder) {
    StreamKitClient client = builder.build();
    clients.add(client);
    return client;
  }

  private StreamKitClient client() {
    return client(StreamKitClient.builder().target("127.0.0.1:" + server.getPort()));
  }

  private static StreamKitException failure(CompletableFuture<?> future) {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(StreamKitException.class);
      return (StreamKitException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError("expected the publish to fail, got " + e, e);
    }
    throw new AssertionError("expected the publish to fail, but it succeeded");
  }

  @Test
  void aPublishIsAcknowledgedOnceStoredWithItsOffset() {
    PublishAck ack = client().publish("news", ByteString.copyFromUtf8("hello")).join();

    assertThat(ack.getCount()).isEqualTo(1);
    assertThat(ack.getLastOffsetsMap()).containsEntry("news", 1L);
    assertThat(stored.get()).isEqualTo(1);
  }

  @Test
  void textAndBytePayloadsArePublishedAsTheirBytes() {
    StreamKitClient client = client();

    assertThat(client.publish("news", "h\u00e9llo").join().getCount()).isEqualTo(1);
    assertThat(lastPayload.get().toStringUtf8()).isEqualTo("h\u00e9llo");
    byte[] bytes = {0, 1, (byte) 0xff};
    assertThat(client.publish("news", bytes).join().getCount()).isEqualTo(1);
    assertThat(lastPayload.get().toByteArray()).containsExactly(0, 1, 0xff);
    assertThatThrownBy(() -> client.publish("news", (String) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("payload");
  }

  @Test
  void aThousandOutstandingPublishesAreEachAcknowledgedOnTheirOwn() throws Exception {
    StreamKitClient client = client();
    List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      acks.add(client.publish("news", ByteString.copyFromUtf8("event " + i)));
    }

    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(acks).extracting(a -> a.join().getLastOffsetsOrThrow("news")).doesNotHaveDuplicates().hasSize(1000);
  }

  @Test
  void theServersReasonArrivesWithTheFailure() {
    StreamKitException e = failure(client().publish("down", ByteString.EMPTY));

    assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.reason()).isEqualTo(ErrorReason.BROKER_UNAVAILABLE);
    assertThat(e.metadata()).containsEntry("topic", "down");
  }

  @Test
  void publishesWaitingForTheirAcknowledgementAreBoundedAndOnePastTheBoundFailsAtOnceUnsent() throws Exception {
    StreamKitClient client = client(StreamKitClient.builder().target("127.0.0.1:" + server.getPort())
        .maxQueuedBytes(1000));
    ByteString payload = ByteString.copyFrom(new byte[400]);
    CompletableFuture<PublishAck> first = client.publish("hold", payload);
    CompletableFuture<PublishAck> second = client.publish("hold", payload);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (received.get() < 2) {
      assertThat(System.nanoTime()).as("the server received both held publishes within 10 s").isLessThan(deadline);
      Thread.sleep(10);
    }

    StreamKitException third = failure(client.publish("hold", payload));

    assertThat(third.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(third).hasMessageContaining("would pass maxQueuedBytes 1000; it was not sent");
    assertThat(first).isNotDone();
    assertThat(second).isNotDone();
    first.cancel(false);
    second.cancel(false);
    assertThat(client.publish("news", payload).get(10, TimeUnit.SECONDS).getCount())
        .as("cancelled publishes free their bytes").isEqualTo(1);
    assertThat(received.get()).isEqualTo(3);
  }

  @Test
  void noAcknowledgementWithinTheDefaultDeadlineFailsWithDeadlineExceeded() {
    StreamKitClient client = client(StreamKitClient.builder().target("127.0.0.1:" + server.getPort())
        .defaultDeadline(Duration.ofMillis(300)));

    assertThat(failure(client.publish("hold", ByteString.EMPTY)).status().getCode())
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }

  @Test
  void aTopicTheServerWouldRejectIsACallerMistakeReportedAtTheCall() {
    assertThatThrownBy(() -> client().publish("a b", ByteString.EMPTY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topic 'a b' has the character ' ' at index 1 (expected: only [A-Za-z0-9._:/-])");
    assertThat(received.get()).isZero();
  }

  @Test
  void withoutAConnectionThePublishFailsNamingTheCauseAndThatNothingWasSent() {
    StreamKitClient unreachable = client(StreamKitClient.builder().target("127.0.0.1:1"));

    StreamKitException e = failure(unreachable.publish("news", ByteString.EMPTY));

    assertThat(e).hasMessageStartingWith("UNAVAILABLE: cannot connect to 127.0.0.1:1: Connection refused")
        .hasMessageEndingWith("; nothing was sent");
  }

  @Test
  void blockingOnAPublishInsideAStageThatRunsOnTheReplyThreadFailsAtOnce() {
    StreamKitClient client = client();
    CompletableFuture<PublishAck> chained = client.publish("a", ByteString.EMPTY)
        .thenApply(ack -> client.publish("hold", ByteString.EMPTY).join());

    assertThatThrownBy(() -> chained.get(10, TimeUnit.SECONDS)).hasRootCauseInstanceOf(IllegalStateException.class)
        .rootCause().hasMessageContaining("would deadlock");
  }

  @Test
  void closingTheClientFailsPublishesStillWaiting() {
    StreamKitClient client = client();
    CompletableFuture<PublishAck> waiting = client.publish("hold", ByteString.EMPTY);

    client.close();

    assertThat(failure(waiting).status().getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.CANCELLED);
    assertThatThrownBy(() -> client.publish("news", ByteString.EMPTY))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void aCompletionExceptionFromJoinCarriesTheStreamKitException() {
    assertThatThrownBy(() -> client().publish("down", ByteString.EMPTY).join())
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(StreamKitException.class);
  }
}
