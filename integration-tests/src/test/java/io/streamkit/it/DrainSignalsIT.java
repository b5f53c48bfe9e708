package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.SubscribeOptions;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.testing.RedisProcess;
import io.streamkit.testing.ServerProcess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The drain through real signals on the packaged jar: SIGTERM with {@code --broker redis} lets a Publish stream
 * that was open when the signal came go on and be acknowledged within the grace period, every acknowledged event
 * is in Redis afterwards; SIGINT drains the same way; a health watcher sees NOT_SERVING while the drain runs.
 */
@Timeout(120)
class DrainSignalsIT {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static void awaitLog(ServerProcess server, String line) {
    Awaitility.await("log line '" + line + "'").atMost(WAIT).pollInterval(Duration.ofMillis(20))
        .until(() -> server.output().contains(line));
  }

  @Test
  void sigtermWithRedisLetsAnInFlightPublishFinishWithinTheGraceAndKeepsEveryAcknowledgedEvent() throws Exception {
    try (RedisProcess redis = RedisProcess.start(false)) {
      String[] args = {"--broker", "redis", "--redis-uri", redis.uri(), "--shutdown-grace", "8s"};
      long acknowledged;
      try (ServerProcess server = ServerProcess.start(args)) {
        try (StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build();
            EventPublisher publisher = client.publisher()) {
          for (int i = 0; i < 50; i++) {
            publisher.publish("orders", ByteString.copyFromUtf8("before-" + i));
          }

          long signalled = System.nanoTime();
          server.terminate();
          awaitLog(server, "SIGTERM received: draining");
          assertThat(server.isAlive()).as("still draining: the Publish stream is open").isTrue();
          for (int i = 0; i < 50; i++) {
            publisher.publish("orders", ByteString.copyFromUtf8("during-" + i));
          }
          PublishAck ack = publisher.complete();
          acknowledged = ack.getCount();

          assertThat(Duration.ofNanos(System.nanoTime() - signalled)).as("acknowledged within the grace")
              .isLessThan(Duration.ofSeconds(8));
          assertThat(acknowledged).isEqualTo(100);
          assertThat(ack.getLastOffsetsMap()).containsEntry("orders", 100L);
        }
        assertThat(server.awaitExit(Duration.ofSeconds(8 + 10))).isZero();
        assertThat(server.output()).contains("StreamKit server stopped");
      }

      // What was acknowledged during the drain is in Redis: a new instance replays all of it, in order.
      try (ServerProcess next = ServerProcess.start(args);
          StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + next.port()).build();
          Subscription replay = client.subscribe(List.of(TopicStart.oldest("orders")))) {
        for (int i = 0; i < 100; i++) {
          Event e = replay.next(WAIT);
          assertThat(e.getOffset()).isEqualTo(i + 1L);
          assertThat(e.getPayload().toStringUtf8()).isEqualTo(i < 50 ? "before-" + i : "during-" + (i - 50));
        }
      }
    }
  }

  @Test
  void sigintDrainsHealthWatchersSeeNotServingAndAStreamStillOpenEndsAtTheGrace() throws Exception {
    Duration grace = Duration.ofSeconds(3);
    try (ServerProcess server = ServerProcess.start("--shutdown-grace", "3s");
        StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build()) {
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        BlockingQueue<Object> health = new LinkedBlockingQueue<>();
        HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse r) {
            health.add(r.getStatus());
          }

          @Override
          public void onError(Throwable t) {
            health.add(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            health.add(Status.OK);
          }
        });
        assertThat(health.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);

        // An open subscription holds the drain for the whole grace period.
        SubscribeOptions once = SubscribeOptions.builder().reconnectPolicy(ReconnectPolicy.disabled()).build();
        try (Subscription open = client.subscribe(List.of(TopicStart.oldest("news")), once)) {
          client.publish("news", ByteString.copyFromUtf8("first")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
          assertThat(open.next(WAIT).getPayload().toStringUtf8()).isEqualTo("first");

          long signalled = System.nanoTime();
          int[] exit = new int[1];
          Thread interrupter = new Thread(() -> {
            try {
              exit[0] = server.interrupt(grace.plusSeconds(10));
            } catch (Exception e) {
              exit[0] = -1;
            }
          });
          interrupter.start();

          assertThat(health.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the watcher hears the drain")
              .isEqualTo(ServingStatus.NOT_SERVING);
          Duration heard = Duration.ofNanos(System.nanoTime() - signalled);
          assertThat(heard).as("NOT_SERVING comes at the start of the drain, not at its end")
              .isLessThan(grace.minusSeconds(1));
          assertThat(server.isAlive()).as("still draining when NOT_SERVING was seen").isTrue();

          interrupter.join(grace.plusSeconds(15).toMillis());
          Duration took = Duration.ofNanos(System.nanoTime() - signalled);
          assertThat(exit[0]).isZero();
          assertThat(took).as("the open subscription held the drain until the grace ended")
              .isBetween(grace.minusMillis(500), grace.plusSeconds(5));
          assertThat(server.output()).contains("SIGINT received: draining").contains("StreamKit server stopped");

          StreamKitException end = org.junit.jupiter.api.Assertions.assertThrows(StreamKitException.class,
              () -> open.next(WAIT));
          assertThat(end.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
