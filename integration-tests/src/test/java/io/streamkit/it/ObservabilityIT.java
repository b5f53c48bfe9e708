package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Message;
import io.streamkit.client.StreamKitClient;
import io.streamkit.testing.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar as an operator runs it: metrics on --metrics-port, logging through its logback.xml. */
class ObservabilityIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void theJarServesPrometheusMetricsOnTheMetricsPortAndLogsNothingPerMessage() throws Exception {
    int metricsPort = ServerProcess.freePort();
    try (ServerProcess server = ServerProcess.start("--metrics-port", Integer.toString(metricsPort))) {
      try (StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build()) {
        for (int i = 0; i < 200; i++) {
          Message reply = client.call("echo", ByteString.copyFromUtf8("m" + i)).get();
          assertThat(reply.getPayload().toStringUtf8()).isEqualTo("m" + i);
        }
      }

      HttpResponse<String> scrape = HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.body())
          .contains("streamkit_messages_total{direction=\"in\",route=\"echo\"} 200.0")
          .contains("streamkit_messages_total{direction=\"out\",route=\"echo\"} 200.0")
          .contains("streamkit_streams_active{rpc=\"chat\"}")
          .contains("jvm_memory_used_bytes");

      assertThat(server.stop(Duration.ofSeconds(10))).isZero();
      String log = server.output();
      assertThat(log).contains("metrics at http://127.0.0.1:" + metricsPort + "/metrics");
      // The default pattern: time, level, thread, logger. 200 messages and no line for any of them.
      assertThat(log).containsPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[main\\] \\S+ - StreamKit server listening");
      assertThat(log.lines().count()).isLessThan(20);
    }
  }

  @Test
  void anOperatorsLogbackConfigurationReplacesTheOneInTheJar(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("logback.xml");
    Files.writeString(config, """
        <configuration>
          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>OPERATOR-FORMAT %level %logger{0}: %msg%n</pattern></encoder>
          </appender>
          <root level="DEBUG"><appender-ref ref="OUT"/></root>
          <logger name="io.grpc" level="WARN"/>
          <logger name="io.netty" level="WARN"/>
        </configuration>
        """);
    try (ServerProcess server =
        ServerProcess.start(List.of("-Dlogback.configurationFile=" + config.toAbsolutePath()))) {
      // Stopped at once, the exit code is not the point here (a SIGTERM that arrives before the CLI installed its
      // handler ends the JVM with 143); the lines written so far are.
      server.stop(Duration.ofSeconds(10));
      assertThat(server.output())
          .contains("OPERATOR-FORMAT INFO StreamKitServer: StreamKit server listening")
          .as("no line in the jar's own pattern").doesNotContain("INFO  [main]");
    }
  }
}
