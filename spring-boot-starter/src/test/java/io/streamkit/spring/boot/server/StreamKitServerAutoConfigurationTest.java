package io.streamkit.spring.boot.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import io.streamkit.server.security.Authenticator;
import io.streamkit.server.security.Authorizer;
import io.streamkit.server.security.Principal;
import io.streamkit.testing.RedisProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;

@Timeout(120)
class StreamKitServerAutoConfigurationTest {
  private static final org.springframework.boot.health.contributor.Status UP =
      org.springframework.boot.health.contributor.Status.UP;
  private static final org.springframework.boot.health.contributor.Status DOWN =
      org.springframework.boot.health.contributor.Status.DOWN;
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(
          StreamKitServerAutoConfiguration.class, StreamKitHealthAutoConfiguration.class))
      .withPropertyValues("streamkit.server.host=127.0.0.1", "streamkit.server.port=0",
          "streamkit.server.shutdown-grace=0s");

  @Test
  void noServerUnlessEnabled() {
    runner.run(context -> assertThat(context).hasNotFailed()
        .doesNotHaveBean(StreamKitServer.class).doesNotHaveBean(StreamKitHealthIndicator.class));
  }

  @Test
  void handlerAuthenticatorAndAuthorizerBeansAreServed() {
    runner.withPropertyValues("streamkit.server.enabled=true")
        .withBean("hello", MessageHandler.class, HelloHandler::new)
        .withBean(Authenticator.class, () -> StreamKitServerAutoConfigurationTest::tokenIsTheName)
        .withBean(Authorizer.class, () -> new Authorizer() {
          @Override
          public boolean mayChat(Optional<Principal> principal, String route) {
            return !route.equals("echo") || principal.map(p -> p.name().equals("admin")).orElse(false);
          }
        })
        .run(context -> {
          int port = port(context);
          try (StreamKitClient alice = client(port, "alice"); StreamKitClient admin = client(port, "admin");
              StreamKitClient anonymous = client(port, null)) {
            assertThat(call(alice, "hello", "Spring")).isEqualTo("Hello, Spring");
            assertThat(call(admin, "echo", "hi")).isEqualTo("hi");
            assertThatThrownBy(() -> call(alice, "echo", "hi")).satisfies(e -> assertCode(e, Status.Code.PERMISSION_DENIED));
            assertThatThrownBy(() -> call(anonymous, "hello", "x")).satisfies(e -> assertCode(e, Status.Code.UNAUTHENTICATED));
          }
        });
  }

  @Test
  void propertiesHaveTheNamesOfTheCommandLineOptions() {
    runner.withPropertyValues("streamkit.server.enabled=true", "streamkit.server.max-inbound-message-size=1KB")
        .run(context -> {
          // Each on a new client: the limit's status reaches a client when the oversized message is the first on
          // its stream (after a reply, grpc-java can only reset the stream: CANCELLED; see docs/OPERATIONS.md).
          try (StreamKitClient client = client(port(context), null)) {
            assertThatThrownBy(() -> call(client, "echo", "a".repeat(2000)))
                .satisfies(e -> assertCode(e, Status.Code.RESOURCE_EXHAUSTED));
          }
          try (StreamKitClient client = client(port(context), null)) {
            assertThat(call(client, "echo", "a".repeat(500))).hasSize(500);
          }
        });
  }

  @Test
  void aValueTheServerRejectsStopsStartUpNamingTheProperty() {
    runner.withPropertyValues("streamkit.server.enabled=true", "streamkit.server.keepalive-time=5s")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("streamkit.server.keepalive-time: 'PT5S'").hasStackTraceContaining("at least 10s"));
    runner.withPropertyValues("streamkit.server.enabled=true", "streamkit.server.broker=kafka")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("streamkit.server.broker: 'kafka' (expected: memory or redis)"));
  }

  @Test
  void anOpenTelemetryBeanTracesTheServer() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    runner.withPropertyValues("streamkit.server.enabled=true")
        .withBean(OpenTelemetry.class, () -> OpenTelemetrySdk.builder().setTracerProvider(
            SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build())
        .run(context -> {
          try (StreamKitClient client = client(port(context), null)) {
            call(client, "echo", "traced");
          }
          await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(spans.getFinishedSpanItems())
              .extracting(SpanData::getName).contains("Chat echo"));
        });
  }

  @Test
  void theServersMetersGoToTheApplicationsMeterRegistry() {
    runner.withPropertyValues("streamkit.server.enabled=true")
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(context -> {
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          try (StreamKitClient client = client(port(context), null)) {
            call(client, "echo", "counted");
          }
          await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
              registry.get("streamkit.messages").tag("route", "echo").tag("direction", "in").counter().count())
              .isEqualTo(1.0));
          assertThat(registry.find("streamkit.streams.active").gauges()).isNotEmpty();
        });
  }

  @Test
  void healthFollowsTheServersLifecycle() {
    runner.withPropertyValues("streamkit.server.enabled=true").run(context -> {
      StreamKitHealthIndicator health = context.getBean(StreamKitHealthIndicator.class);
      Health up = health.health();
      assertThat(up.getStatus()).isEqualTo(UP);
      assertThat(up.getDetails()).containsEntry("port", port(context)).containsKey("routes");
      context.stop(); // the lifecycle drains the server, as on context close
      assertThat(health.health().getStatus()).isEqualTo(org.springframework.boot.health.contributor.Status.OUT_OF_SERVICE);
      assertThat(health.health().getDetails()).containsEntry("state", "stopped");
    });
  }

  @Test
  void healthFollowsTheRedisBroker() throws Exception {
    try (RedisProcess redis = RedisProcess.start(false)) {
      runner.withPropertyValues("streamkit.server.enabled=true", "streamkit.server.broker=redis",
              "streamkit.server.redis-uri=" + redis.uri(), "streamkit.server.redis-timeout=1s")
          .run(context -> {
            StreamKitHealthIndicator health = context.getBean(StreamKitHealthIndicator.class);
            await("UP with Redis running").atMost(Duration.ofSeconds(30))
                .until(() -> health.health().getStatus(), UP::equals);
            redis.kill();
            await("DOWN once Redis is gone").atMost(Duration.ofSeconds(30))
                .until(() -> health.health().getStatus(), DOWN::equals);
            assertThat(health.health().getDetails().get("broker").toString()).contains("127.0.0.1:" + redis.port());
            redis.startAgain();
            await("UP again after Redis restarted").atMost(Duration.ofSeconds(30))
                .until(() -> health.health().getStatus(), UP::equals);
          });
    }
  }

  @Test
  void anApplicationBrokerBeanIsTheServersBroker() {
    runner.withPropertyValues("streamkit.server.enabled=true")
        .withBean(Broker.class, () -> InMemoryBroker.builder().build())
        .run(context -> {
          Broker broker = context.getBean(Broker.class);
          try (StreamKitClient client = client(port(context), null);
              Subscription events = client.subscribe(List.of(TopicStart.oldest("orders")))) {
            broker.publish("orders", ByteString.copyFromUtf8("from the bean"), Map.of()).get(10, TimeUnit.SECONDS);
            Event event = events.next(Duration.ofSeconds(20));
            assertThat(event.getPayload().toStringUtf8()).isEqualTo("from the bean");
          }
        });
    runner.withPropertyValues("streamkit.server.enabled=true", "streamkit.server.history-max-events=5")
        .withBean(Broker.class, () -> InMemoryBroker.builder().build())
        .run(context -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("streamkit.server.history-max-events").hasStackTraceContaining("own Broker bean"));
  }

  @Test
  void customizersRunLast() {
    runner.withPropertyValues("streamkit.server.enabled=true")
        .withBean(StreamKitServerCustomizer.class, () -> b -> b.builtInHandlers(false))
        .run(context -> assertThat(context.getBean(StreamKitServer.class).routes()).doesNotContain("echo"));
  }

  @Test
  void theContextPublishesTheBoundPortAndClosesTheServer() {
    int[] port = new int[1];
    runner.withPropertyValues("streamkit.server.enabled=true").run(context -> {
      port[0] = port(context);
      assertThat(context.getEnvironment().getProperty("local.streamkit.server.port", Integer.class))
          .isEqualTo(port[0]).isPositive();
    });
    try (StreamKitClient client = client(port[0], null)) {
      assertThatThrownBy(() -> call(client, "echo", "after close"))
          .satisfies(e -> assertCode(e, Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void theServerDrainsAfterDefaultPhaseBeansStopAndBeforeTheBeansItMayCallStop() {
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    runner.withPropertyValues("streamkit.server.enabled=true")
        .withBean("application", SmartLifecycle.class,
            () -> new PhaseProbe(SmartLifecycle.DEFAULT_PHASE, "application", seen))
        .withBean("dataSource", SmartLifecycle.class,
            () -> new PhaseProbe(StreamKitServerLifecycle.PHASE - 1, "dataSource", seen))
        .run(context -> {
          StreamKitServerLifecycle server = context.getBean(StreamKitServerLifecycle.class);
          PhaseProbe.server = server;
          assertThat(server.isRunning()).isTrue();
        });
    assertThat(seen).containsExactly("application stopped while the server ran: true",
        "dataSource stopped while the server ran: false");
  }

  /** Records, when the context stops it, whether the embedded server was still running. */
  static final class PhaseProbe implements SmartLifecycle {
    static volatile StreamKitServerLifecycle server;
    private final int phase;
    private final String name;
    private final List<String> seen;
    private volatile boolean running;

    PhaseProbe(int phase, String name, List<String> seen) {
      this.phase = phase;
      this.name = name;
      this.seen = seen;
    }

    @Override
    public void start() {
      running = true;
    }

    @Override
    public void stop() {
      seen.add(name + " stopped while the server ran: " + server.isRunning());
      running = false;
    }

    @Override
    public boolean isRunning() {
      return running;
    }

    @Override
    public int getPhase() {
      return phase;
    }
  }

  private static int port(AssertableApplicationContext context) {
    assertThat(context).hasNotFailed();
    return context.getBean(StreamKitServer.class).port();
  }

  private static Principal tokenIsTheName(Metadata headers, Optional<SSLSession> tls) throws StatusException {
    String auth = headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER));
    if (auth == null || !auth.startsWith("Bearer ")) {
      throw Status.UNAUTHENTICATED.withDescription("no token").asException();
    }
    return new Principal(auth.substring("Bearer ".length()), Principal.BEARER);
  }

  static StreamKitClient client(int port, String token) {
    StreamKitClient.Builder b = StreamKitClient.builder().target("127.0.0.1:" + port);
    if (token != null) {
      b.bearerToken(token);
    }
    return b.build();
  }

  static String call(StreamKitClient client, String route, String text) throws Exception {
    try {
      return client.call(route, ByteString.copyFromUtf8(text)).get(20, TimeUnit.SECONDS).getPayload().toStringUtf8();
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  static void assertCode(Throwable e, Status.Code code) {
    assertThat(e).isInstanceOfSatisfying(StreamKitException.class, s -> assertThat(s.status().getCode()).isEqualTo(code));
  }

  /** Answers "Hello, " + the payload. */
  static final class HelloHandler implements MessageHandler {
    @Override
    public String route() {
      return "hello";
    }

    @Override
    public void onMessage(StreamContext context, Message message) {
      context.reply(message, Message.newBuilder()
          .setPayload(ByteString.copyFromUtf8("Hello, " + message.getPayload().toStringUtf8())).build());
    }
  }
}
