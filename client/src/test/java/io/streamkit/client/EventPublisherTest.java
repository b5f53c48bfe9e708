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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The EventPublisher against a plain grpc-java Publish that counts, and rejects the topic "bad". */
class EventPublisherTest {
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
                count++;
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {
                if (!failed) {
                  ack.onNext(PublishAck.newBuilder().setCount(count).build());
                  ack.onCompleted();
                }
              }
            };
          }
        })
        .build()
        .start();
    client = StreamKitClient.builder().target("127.0.0.1:" + server.getPort()).build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void completeReturnsTheAcknowledgementAndLeavesNoOpenStream() throws Exception {
    try (EventPublisher publisher = client.publisher()) {
      for (int i = 0; i < 100; i++) {
        publisher.publish("t", ByteString.copyFromUtf8("x"));
      }
      assertThat(publisher.complete().getCount()).isEqualTo(100);
      assertThatThrownBy(() -> publisher.publish("t", ByteString.EMPTY))
          .isInstanceOf(StreamKitException.class);
    }
    assertThat(client.openStreams()).isZero();
  }

  @Test
  void rejectedEventFailsCompleteWithTheServersStatus() throws Exception {
    try (EventPublisher publisher = client.publisher()) {
      publisher.publish("bad", ByteString.EMPTY);
      assertThatThrownBy(publisher::complete).isInstanceOfSatisfying(StreamKitException.class, e -> {
        assertThat(e.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e).hasMessage("INVALID_ARGUMENT: topic 'bad' rejected");
      });
    }
    assertThat(client.openStreams()).isZero();
  }

  @Test
  void closeBeforeCompleteCancelsAndIsIdempotent() throws Exception {
    EventPublisher publisher = client.publisher();
    publisher.publish("t", ByteString.EMPTY);
    publisher.close();
    publisher.close();
    assertThatThrownBy(publisher::complete).isInstanceOfSatisfying(StreamKitException.class,
        e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.CANCELLED));
    assertThat(client.openStreams()).isZero();
  }

  @Test
  void unreachableServerFailsThePublisherWithUnavailableAndLeavesNoOpenStream() throws Exception {
    try (StreamKitClient unreachable = StreamKitClient.builder().target("127.0.0.1:1").build()) {
      EventPublisher publisher = unreachable.publisher();
      assertThatThrownBy(() -> {
        publisher.publish("t", ByteString.EMPTY);
        publisher.complete();
      }).isInstanceOfSatisfying(StreamKitException.class,
          e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(unreachable.openStreams()).isZero();
    }
  }
}
