package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.streamkit.client.StreamKitClient;
import io.streamkit.testing.ServerProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server jar's {@code --tracing true}: the SDK comes from the standard OpenTelemetry configuration (here the
 * {@code otel.traces.exporter=console} system property, the same as {@code OTEL_TRACES_EXPORTER=console}), and a
 * Chat message's traceparent is the parent of the span the console exporter writes to the log.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TracingProcessIT {

  @Test
  void tracingTrueExportsTheHandlersSpanInTheCallersTrace() throws Exception {
    String traceId = "0af7651916cd43dd8448eb211c80319c";
    try (ServerProcess server = ServerProcess.start(
            List.of("-Dotel.traces.exporter=console", "-Dotel.service.name=traced-streamkit"), "--tracing", "true");
        StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build()) {
      client.call("echo", ByteString.copyFromUtf8("hi"),
          Map.of("traceparent", "00-" + traceId + "-b7ad6b7169203331-01")).get(10, TimeUnit.SECONDS);
      // The console exporter logs each span as it ends: "'Chat echo' : <trace id> <span id> SERVER ...".
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(server.output()).contains("'Chat echo' : " + traceId));
      assertThat(server.output()).contains("tracing: on");
    }
  }

  @Test
  void withoutTheOptionNothingIsTraced() throws Exception {
    try (ServerProcess server = ServerProcess.start(List.of("-Dotel.traces.exporter=console"));
        StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build()) {
      client.call("echo", ByteString.copyFromUtf8("hi"),
          Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).get(10, TimeUnit.SECONDS);
      assertThat(server.stop(Duration.ofSeconds(20))).as("exit code after SIGTERM").isZero();
      // The process has exited: anything it would have exported is in the log by now.
      assertThat(server.output()).doesNotContain("'Chat echo'").doesNotContain("tracing: on");
    }
  }
}
