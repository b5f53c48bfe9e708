/**
 * Not API: the server's meters and its Prometheus endpoint. Applications turn metrics on with
 * {@code StreamKitServer.Builder.metricsPort(int)} or {@code meterRegistry(MeterRegistry)} (CLI:
 * {@code --metrics-port}); the metric names and labels are documented in {@code docs/METRICS.md}. Anything here
 * may change without notice.
 */
package io.streamkit.server.internal.metrics;
