package io.streamkit.server.app;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.streamkit.server.StreamKitServer;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The CLI's tracing option (a picocli mixin of {@link ServerMain}). Off by default; {@code --tracing true} builds
 * the OpenTelemetry SDK with its autoconfigure module, so everything else (exporter, endpoint, sampler, service
 * name, resource) comes from the standard {@code OTEL_*} environment variables or {@code otel.*} system
 * properties. Defaults of ours, which those override: service name {@code streamkit-server}, OTLP over HTTP
 * ({@code http/protobuf}, sent with the JDK's HttpClient: the jar has no gRPC sender for OTLP), and no metrics or
 * logs exporter (metrics are the Prometheus endpoint's).
 */
final class TracingOptions {
  private static final Logger log = LoggerFactory.getLogger(TracingOptions.class);

  /** Our defaults under the autoconfigure module's own: environment and system properties win over them. */
  static final Map<String, String> OTEL_DEFAULTS = Map.of(
      "otel.service.name", "streamkit-server",
      "otel.exporter.otlp.protocol", "http/protobuf",
      "otel.metrics.exporter", "none",
      "otel.logs.exporter", "none");

  @Option(names = "--tracing", defaultValue = "false", arity = "1",
      description = "Trace Chat, Call, Publish, Subscribe and each event from publish to delivery with OpenTelemetry, configured by the standard OTEL_* variables (OTEL_TRACES_EXPORTER otlp or console, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_SAMPLER...) (default: ${DEFAULT-VALUE}).")
  boolean tracing;

  /**
   * Gives the builder an SDK when tracing is on.
   *
   * @return what closes the SDK (flushing the spans still queued) after the server closed; does nothing when off
   */
  Runnable applyTo(StreamKitServer.Builder builder) {
    if (!tracing) {
      return () -> {};
    }
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> OTEL_DEFAULTS)
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
    builder.openTelemetry(sdk);
    log.info("tracing: on, OpenTelemetry configured from the OTEL_* environment");
    return sdk::close;
  }
}
