package io.streamkit.spring.boot.server;

import io.streamkit.server.ServerStats;
import io.streamkit.server.StreamKitServer;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The embedded server's health, as its gRPC health service reports it: UP while it serves and its broker can store
 * and deliver events; DOWN while the broker cannot (for example Redis unreachable, with the broker's reason);
 * OUT_OF_SERVICE before the context started it and from the moment the context began to stop it. Details: the
 * port, the routes served and the streams open.
 *
 * <p>Thread-safe; reads state that {@link StreamKitServerLifecycle} keeps, without any call to the server.
 * Contributed under the name {@code streamkit} (turn it off with
 * {@code management.health.streamkit.enabled=false}).
 */
public final class StreamKitHealthIndicator implements HealthIndicator {
  private final StreamKitServerLifecycle lifecycle;

  /** Reports the server {@code lifecycle} runs. */
  public StreamKitHealthIndicator(StreamKitServerLifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  @Override
  public Health health() {
    StreamKitServerLifecycle.State state = lifecycle.state();
    if (state != StreamKitServerLifecycle.State.RUNNING) {
      return Health.outOfService().withDetail("state", state.name().toLowerCase()).build();
    }
    StreamKitServer server = lifecycle.server();
    ServerStats stats = server.stats();
    Health.Builder health = lifecycle.brokerAvailable()
        ? Health.up()
        : Health.down().withDetail("broker", lifecycle.brokerReason());
    return health
        .withDetail("port", server.port())
        .withDetail("routes", server.routes())
        .withDetail("openStreams", stats.openStreams())
        .build();
  }
}
