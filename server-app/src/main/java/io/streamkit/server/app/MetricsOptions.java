package io.streamkit.server.app;

import io.streamkit.server.StreamKitServer;
import picocli.CommandLine.Option;

/** The CLI's metrics options (a picocli mixin of {@link ServerMain}). */
final class MetricsOptions {
  @Option(
      names = "--metrics-port",
      defaultValue = "-1",
      description = "Port of the Prometheus endpoint GET /metrics, on the same --host; -1 turns it off, 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  void applyTo(StreamKitServer.Builder builder) {
    ServerMain.option("--metrics-port", metricsPort, () -> builder.metricsPort(metricsPort));
  }
}
