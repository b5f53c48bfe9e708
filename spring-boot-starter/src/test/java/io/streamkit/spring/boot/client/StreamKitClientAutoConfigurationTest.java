package io.streamkit.spring.boot.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.grpc.Status;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import io.streamkit.server.security.BearerTokenAuthenticator;
import io.streamkit.server.security.ServerTls;
import io.streamkit.testing.ServerProcess;
import io.streamkit.testing.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

@Timeout(60)
class StreamKitClientAutoConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(StreamKitClientAutoConfiguration.class));

  @Test
  void withoutATargetThereIsNoClient() {
    runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(StreamKitClient.class));
  }

  @Test
  void theTargetPropertyMakesAClientThatTalksToTheServer() {
    try (StreamKitServer server = plainServer()) {
      runner.withPropertyValues("streamkit.client.target=127.0.0.1:" + server.port())
          .run(context -> {
            StreamKitClient client = context.getBean(StreamKitClient.class);
            assertThat(echo(client, "hello")).isEqualTo("hello");
          });
    }
  }

  @Test
  void anOpenTelemetryBeanTracesTheClientsCalls() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (StreamKitServer server = plainServer()) {
      runner.withPropertyValues("streamkit.client.target=127.0.0.1:" + server.port())
          .withBean(OpenTelemetry.class, () -> OpenTelemetrySdk.builder().setTracerProvider(
              SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build())
          .run(context -> {
            assertThat(echo(context.getBean(StreamKitClient.class), "traced")).isEqualTo("traced");
            // The span ends when the reply completes the call's future, maybe just after the caller woke up.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName).containsExactly("call echo"));
          });
    }
  }

  @Test
  void theClientIsClosedWithTheContext() {
    StreamKitClient[] client = new StreamKitClient[1];
    runner.withPropertyValues("streamkit.client.target=127.0.0.1:9")
        .run(context -> client[0] = context.getBean(StreamKitClient.class));
    assertThatThrownBy(() -> client[0].call("echo", ByteString.EMPTY))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void tlsAndTokenPropertiesReachASecuredServer(@TempDir Path dir) throws Exception {
    TestPki pki = TestPki.create(dir, "starter-test-ca");
    TestPki.Issued cert = pki.server();
    try (StreamKitServer server = StreamKitServer.builder()
        .settings(o -> o.host("127.0.0.1").port(0))
        .tls(ServerTls.builder().certificateChain(cert.certificate()).privateKey(cert.key()).build())
        .authenticator(BearerTokenAuthenticator.of(Map.of("s3cret-token", "alice")))
        .build().start()) {
      ApplicationContextRunner secured = runner.withPropertyValues(
          "streamkit.client.target=localhost:" + server.port(),
          "streamkit.client.tls.trusted-ca=" + pki.caCertificate());
      secured.withPropertyValues("streamkit.client.bearer-token=s3cret-token")
          .run(context -> assertThat(echo(context.getBean(StreamKitClient.class), "over tls")).isEqualTo("over tls"));
      secured.run(context -> assertThatThrownBy(() -> echo(context.getBean(StreamKitClient.class), "no token"))
          .isInstanceOfSatisfying(StreamKitException.class,
              e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED)));
    }
  }

  @Test
  void reconnectPropertiesBecomeTheClientsPolicy() throws Exception {
    int nothingListens = ServerProcess.freePort();
    // The default policy retries for ever; max-attempts=0 makes the first failure end the subscription.
    runner.withPropertyValues("streamkit.client.target=127.0.0.1:" + nothingListens,
            "streamkit.client.reconnect.max-attempts=0", "streamkit.client.reconnect.initial-delay=50ms")
        .run(context -> {
          StreamKitClient client = context.getBean(StreamKitClient.class);
          try (Subscription events = client.subscribe(List.of(TopicStart.live("news")))) {
            assertThatThrownBy(() -> events.next(Duration.ofSeconds(20)))
                .isInstanceOfSatisfying(StreamKitException.class,
                    e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
          }
        });
  }

  @Test
  void aValueTheBuilderRejectsStopsStartUpNamingTheProperty() {
    runner.withPropertyValues("streamkit.client.target=127.0.0.1:9090", "streamkit.client.default-deadline=0s")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("streamkit.client.default-deadline: 'PT0S'")
            .hasStackTraceContaining("expected: > 0"));
    runner.withPropertyValues("streamkit.client.target=nonsense")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("streamkit.client.target: 'nonsense'"));
    runner.withPropertyValues("streamkit.client.target=127.0.0.1:9090", "streamkit.client.keepalive-time=30s")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("streamkit.client.keepalive-timeout"));
  }

  @Test
  void customizersRunAfterTheProperties() {
    try (StreamKitServer server = plainServer()) {
      // The property points nowhere; the customizer, applied last, points at the server.
      runner.withPropertyValues("streamkit.client.target=127.0.0.1:9")
          .withBean(StreamKitClientCustomizer.class, () -> b -> b.target("127.0.0.1:" + server.port()))
          .run(context -> assertThat(echo(context.getBean(StreamKitClient.class), "customized"))
              .isEqualTo("customized"));
    }
  }

  private static StreamKitServer plainServer() {
    return StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0)).build().start();
  }

  static String echo(StreamKitClient client, String text) throws Exception {
    try {
      return client.call("echo", ByteString.copyFromUtf8(text)).get(20, TimeUnit.SECONDS).getPayload().toStringUtf8();
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }
}
