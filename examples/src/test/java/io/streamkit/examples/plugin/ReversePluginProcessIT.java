package io.streamkit.examples.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the packaged server jar as a real process, {@code java -jar streamkit-server.jar --plugins DIR}, with
 * the packaged reverse plug-in jar in DIR, and talks to it as any gRPC client would. Needs both jars, so it runs
 * in Maven's integration-test phase (failsafe), which passes their paths as system properties. One server
 * process serves every test of the class: starting it takes most of the time, and the tests only read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReversePluginProcessIT {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private Process server;
  private Path serverLog;
  private ManagedChannel channel;

  @BeforeAll
  void startServerProcessWithThePluginJar(@TempDir Path pluginsDir) throws Exception {
    Path serverJar = jarFromProperty("streamkit.server.jar");
    Path pluginJar = jarFromProperty("streamkit.plugin.jar");
    Files.copy(pluginJar, pluginsDir.resolve(pluginJar.getFileName()));

    int port = freePort();
    serverLog = Files.createTempFile("streamkit-server-", ".log");
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    server =
        new ProcessBuilder(
                java, "-jar", serverJar.toString(),
                "--host", "127.0.0.1",
                "--port", Integer.toString(port),
                "--plugins", pluginsDir.toString(),
                "--shutdown-grace", "0s")
            .redirectErrorStream(true)
            .redirectOutput(serverLog.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    awaitServing();
  }

  @AfterAll
  void stopServerProcess() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.destroy(); // SIGTERM: the server's shutdown hook closes it
      if (!server.waitFor(15, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      assertThat(server.isAlive()).as("server process still running after stop").isFalse();
    }
    if (serverLog != null) {
      Files.deleteIfExists(serverLog);
    }
  }

  @Test
  void pluginJarInThePluginsFolderServesTheReverseRoute() throws Exception {
    List<Message> replies = chat(request("r-1", "reverse", "Hello, StreamKit!"));

    assertThat(replies).singleElement().satisfies(reply -> {
      assertThat(reply.hasError()).as(() -> "error reply: " + reply.getError() + "\n" + log()).isFalse();
      assertThat(reply.getPayload().toStringUtf8()).isEqualTo("!tiKmaertS ,olleH");
      assertThat(reply.getCorrelationId()).isEqualTo("r-1");
      assertThat(reply.getRoute()).isEqualTo("reverse");
    });
  }

  @Test
  void builtInEchoRouteStillWorksNextToThePlugin() throws Exception {
    List<Message> replies =
        chat(request("e-1", "echo", "ping"), request("r-2", "reverse", "stressed"));

    assertThat(replies).extracting(Message::getCorrelationId).containsExactly("e-1", "r-2");
    assertThat(replies).extracting(m -> m.getPayload().toStringUtf8()).containsExactly("ping", "desserts");
  }

  // ---- helpers ----

  private static Message request(String id, String route, String text) {
    return Message.newBuilder().setId(id).setRoute(route).setPayload(ByteString.copyFromUtf8(text)).build();
  }

  /** Sends {@code requests} on one Chat stream, half-closes, and returns every reply until the stream ends. */
  private List<Message> chat(Message... requests) throws InterruptedException {
    LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    Object completed = new Object();
    StreamObserver<Message> requestObserver =
        StreamServiceGrpc.newStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .chat(
                new StreamObserver<>() {
                  @Override
                  public void onNext(Message value) {
                    events.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    events.add(t);
                  }

                  @Override
                  public void onCompleted() {
                    events.add(completed);
                  }
                });
    for (Message request : requests) {
      requestObserver.onNext(request);
    }
    requestObserver.onCompleted();

    List<Message> replies = new ArrayList<>();
    while (true) {
      Object event = events.poll(15, TimeUnit.SECONDS);
      assertThat(event).as(() -> "no reply or end of stream within 15 s\n" + log()).isNotNull();
      if (event == completed) {
        return replies;
      }
      if (event instanceof Throwable t) {
        throw new AssertionError("Chat stream failed: " + Status.fromThrowable(t) + "\n" + log(), t);
      }
      replies.add((Message) event);
    }
  }

  private void awaitServing() throws InterruptedException {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
    Instant giveUp = Instant.now().plus(START_TIMEOUT);
    while (true) {
      assertThat(server.isAlive())
          .as(() -> "server process exited with " + exitCode() + "\n" + log())
          .isTrue();
      try {
        ServingStatus status =
            health.withDeadlineAfter(1, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus();
        if (status == ServingStatus.SERVING) {
          return;
        }
      } catch (StatusRuntimeException e) {
        // UNAVAILABLE or DEADLINE_EXCEEDED while the process is still starting: try again.
      }
      assertThat(Instant.now())
          .as(() -> "server not SERVING after " + START_TIMEOUT + "\n" + log())
          .isBefore(giveUp);
      Thread.sleep(100);
    }
  }

  private static Path jarFromProperty(String property) {
    String value = System.getProperty(property);
    assertThat(value)
        .as("system property %s is not set: run this test with Maven (./mvnw -B verify)", property)
        .isNotBlank();
    Path jar = Paths.get(value).toAbsolutePath().normalize();
    assertThat(jar)
        .as("%s=%s does not exist; build it first with ./mvnw -B -q install -DskipTests", property, jar)
        .isRegularFile();
    return jar;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static java.io.File nullDevice() {
    return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
  }

  private String exitCode() {
    return server.isAlive() ? "(running)" : Integer.toString(server.exitValue());
  }

  private String log() {
    try {
      return "--- server log ---\n" + Files.readString(serverLog);
    } catch (IOException e) {
      return "--- server log unreadable: " + e + " ---";
    }
  }
}
