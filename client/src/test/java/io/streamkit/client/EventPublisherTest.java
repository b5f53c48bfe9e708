package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The EventPublisher against a plain grpc-java Publish that stores (counts) events, rejects the topic "bad" by
 * failing the stream, and never answers a stream that published to "hold".
 */
@Timeout(30)
class EventPublisherTest {
  private final AtomicLong stored = new AtomicLong();
  private Server server;
  private StreamKitClient client;

  @BeforeEach
  void start() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new StreamServiceGrpc.StreamServiceImplBase() {
          @Override
          public StreamObserver<PublishRequest> publish(StreamObserver<PublishAck> ack) {
            return new StreamObserver<>() {
              private long count;
              private boolean failed;
              private boolean hold;

              @Override
              public void onNext(PublishRequest request) {
                if (failed) {
                  return;
                }
                if (request.getTopic().equals("bad")) {
                  failed = true;
                  ack.onError(Status.INVALID_ARGUMENT.withDescription("topic 'bad' rejected").asRuntimeException());
                  return;
                }
                hold |= request.getTopic().equals("hold");
                count++;
                stored.incrementAndGet();
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {
                if (!failed && !hold) {
                  ack.onNext(PublishAck.newBuilder().setCount(count).build());
                  ack.onCompleted();
                }
              }
            };
          }
        })
        .build()
        .start();
    client = StreamKitClient.builder().target("127.0.0.1:" + server.getPort())
        .defaultDeadline(Duration.ofSeconds(2)).build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void completeReturnsTheAcknowledgementAndAPublishAfterItIsACallerMistake() throws Exception {
    try (EventPublisher publisher = client.publisher()) {
      for (int i = 0; i < 100; i++) {
        publisher.publish("t", ByteString.copyFromUtf8("x"));
      }
      assertThat(publisher.complete().getCount()).isEqualTo(100);
      assertThat(publisher.complete().getCount()).as("complete() again: the same ack").isEqualTo(100);
      assertThatThrownBy(() -> publisher.publish("t", ByteString.EMPTY))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("publish after complete(): this EventPublisher is half-closed");
    }
    assertThat(client.openStreams()).isZero();
  }

  @Test
  void closeWithoutCompleteWaitsUntilEveryEventSentIsAcknowledged() throws Exception {
    EventPublisher publisher = client.publisher();
    for (int i = 0; i < 20; i++) {
      publisher.publish("t", ByteString.copyFromUtf8("event " + i));
    }

    publisher.close();

    assertThat(stored.get()).as("close() returned: all 20 are stored").isEqualTo(20);
    assertThat(client.openStreams()).isZero();
  }

  @Test
  void aRejectedEventFailsCompleteSayingHowManyEventsWereNotAcknowledged() throws Exception {
    try (EventPublisher publisher = client.publisher()) {
      publisher.publish("bad", ByteString.EMPTY);
      assertThatThrownBy(publisher::complete).isInstanceOfSatisfying(StreamKitException.class, e -> {
        assertThat(e.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e).hasMessage("INVALID_ARGUMENT: the Publish stream failed (topic 'bad' rejected); "
            + "1 event(s) sent on it were not acknowledged");
      });
    } // close() after a reported failure adds nothing
    assertThat(client.openStreams()).isZero();
  }

  @Test
  void closeAfterAFailureNobodySawThrowsIt() throws Exception {
    EventPublisher publisher = client.publisher();
    publisher.publish("bad", ByteString.EMPTY);

    assertThatThrownBy(publisher::close).isInstanceOfSatisfying(StreamKitException.class,
        e -> assertThat(e).hasMessageContaining("1 event(s) sent on it were not acknowledged"));
    publisher.close(); // idempotent: reported once
  }

  @Test
  void closeThatGetsNoAcknowledgementWithinTheDefaultDeadlineCancelsAndSaysSo() throws Exception {
    EventPublisher publisher = client.publisher();
    publisher.publish("hold", ByteString.EMPTY);

    long start = System.nanoTime();
    assertThatThrownBy(publisher::close).isInstanceOfSatisfying(StreamKitException.class, e -> {
      assertThat(e.status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(e).hasMessageContaining("no acknowledgement within PT2S; 1 event(s) sent on this stream were not "
          + "acknowledged: they may or may not be stored");
    });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(client.openStreams()).isZero();
  }

  @Test
  void closeOfAPublisherThatSentNothingIsQuietAndLaterUseIsACallerMistake() throws Exception {
    EventPublisher publisher = client.publisher();
    publisher.close();
    publisher.close();

    assertThatThrownBy(() -> publisher.publish("t", ByteString.EMPTY))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("publish after close()");
    assertThatThrownBy(publisher::complete)
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("complete() after close()");
    assertThat(client.openStreams()).isZero();
  }

  @Test
  void aTopicTheServerWouldRejectIsRejectedAtTheCallAndThePublisherStaysUsable() throws Exception {
    try (EventPublisher publisher = client.publisher()) {
      assertThatThrownBy(() -> publisher.publish("not ok!", ByteString.EMPTY))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("topic 'not ok!' has the character ' ' at index 3 (expected: only [A-Za-z0-9._:/-])");
      publisher.publish("ok", ByteString.EMPTY);
      assertThat(publisher.complete().getCount()).isEqualTo(1);
    }
  }

  @Test
  void aServerThatCannotBeReachedIsReportedAsNeverOpenedNamingTheCause() throws Exception {
    try (StreamKitClient unreachable = StreamKitClient.builder().target("127.0.0.1:1").build()) {
      EventPublisher publisher = unreachable.publisher();
      assertThatThrownBy(() -> {
        publisher.publish("t", ByteString.EMPTY);
        publisher.complete();
      }).isInstanceOfSatisfying(StreamKitException.class, e -> {
        assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(e).hasMessageStartingWith("UNAVAILABLE: the Publish stream never opened (cannot connect to "
            + "127.0.0.1:1: Connection refused");
      });
      publisher.close();
      assertThat(unreachable.openStreams()).isZero();
    }
  }
}
