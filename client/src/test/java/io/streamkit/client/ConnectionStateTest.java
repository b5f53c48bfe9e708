package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The connection's state as the application sees it, against a plain grpc-java server stopped and restarted. */
@Timeout(60)
class ConnectionStateTest {
  private static final ReconnectPolicy QUICK =
      ReconnectPolicy.builder().initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofMillis(500)).build();

  private final List<ConnectionState> heard = new CopyOnWriteArrayList<>();
  private Server server;
  private StreamKitClient client;

  private static Server start(int port) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(new StreamServiceGrpc.StreamServiceImplBase() {
          @Override
          public void publishEvent(PublishRequest request, StreamObserver<PublishAck> ack) {
            ack.onNext(PublishAck.newBuilder().setCount(1).build());
            ack.onCompleted();
          }
        })
        .build()
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + within + ": " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void theListenerHearsConnectingReadyAndClosedLastAndTheStateIsReadable() throws Exception {
    server = start(0);
    client = StreamKitClient.builder().target("127.0.0.1:" + server.getPort()).connectionListener(heard::add)
        .build();
    assertThat(client.connectionState()).isEqualTo(ConnectionState.IDLE);

    client.publish("t", ByteString.EMPTY).get(10, TimeUnit.SECONDS);
    assertThat(client.connectionState()).isEqualTo(ConnectionState.READY);
    // The listener hears on the callback executor, after the state changed.
    await("the listener hears READY", Duration.ofSeconds(10), () -> heard.contains(ConnectionState.READY));
    client.close();

    assertThat(heard).containsExactly(ConnectionState.CONNECTING, ConnectionState.READY, ConnectionState.CLOSED);
    assertThat(client.connectionState()).isEqualTo(ConnectionState.CLOSED);
  }

  /** Publishes until one is acknowledged, as a user's retry loop would; returns when it was. */
  private long publishUntilAcknowledged(Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        client.publish("t", ByteString.EMPTY).get(10, TimeUnit.SECONDS);
        return System.nanoTime();
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(StreamKitException.class)
            .hasMessageStartingWith("UNAVAILABLE");
        assertThat(System.nanoTime()).as("a publish acknowledged within " + within).isLessThan(deadline);
        Thread.sleep(20);
      }
    }
  }

  @Test
  void aServerBackAfterAnOutageIsUsedWithinOnePolicyDelayNotGrpcsGrowingBackoff() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    server = start(port);
    client = StreamKitClient.builder().target("127.0.0.1:" + port).reconnectPolicy(QUICK)
        .connectionListener(heard::add).build();
    client.publish("t", ByteString.EMPTY).get(10, TimeUnit.SECONDS);

    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    // Publishing through the outage, as an application would: each publish fails at once, the client is
    // RECONNECTING, and left to gRPC it would wait 1, 1.6, 2.6, 4.1 s (+-20%) between connect attempts: 6 s into
    // the outage its next attempt is about 3 s away.
    long outageEnd = System.nanoTime() + Duration.ofSeconds(6).toNanos();
    while (System.nanoTime() < outageEnd) {
      client.publish("t", ByteString.EMPTY).handle((ack, e) -> null).get(10, TimeUnit.SECONDS);
      Thread.sleep(20);
    }
    assertThat(client.connectionState()).isEqualTo(ConnectionState.RECONNECTING);
    server = start(port);
    long back = System.nanoTime();

    Duration took = Duration.ofNanos(publishUntilAcknowledged(Duration.ofSeconds(10)) - back);

    // The policy's largest delay with its jitter (0.6 s) plus one connect, with room for a loaded machine.
    assertThat(took).isLessThan(Duration.ofMillis(1500));
    assertThat(heard).containsSubsequence(ConnectionState.READY, ConnectionState.RECONNECTING,
        ConnectionState.READY);
  }
}
