package io.streamkit.spring.boot.server;

import io.streamkit.server.StreamKitServer;
import io.streamkit.server.broker.Broker;
import java.util.HashMap;
import java.util.Map;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts the embedded {@link StreamKitServer} when the application context starts and drains it when the context
 * stops, in {@link #PHASE}: the phase of Spring Boot's web-server graceful shutdown, so a StreamKit server and a web
 * server of one application drain side by side, after the beans of the default phase stopped and before the
 * beans they may call (lower phases, data sources) stop.
 *
 * <p>Start binds the port and publishes it as the environment property {@code local.streamkit.server.port} (and
 * {@code local.streamkit.metrics.port} when the server serves its own metrics endpoint), for tests that asked for
 * port 0. Stop runs the server's graceful close on a thread of its own ({@code streamkit-drain}): new streams are
 * refused, open ones may go on for {@code streamkit.server.shutdown-grace}, then end with UNAVAILABLE. Spring waits
 * for it at most {@code spring.lifecycle.timeout-per-shutdown-phase} (30 s by default), so keep the grace below.
 *
 * <p>It also follows the broker's availability ({@link Broker#watchAvailability}) for
 * {@link StreamKitHealthIndicator}. Thread-safe. The context creates and owns it; the server cannot be started
 * again once stopped (a new context makes a new one).
 */
public final class StreamKitServerLifecycle implements SmartLifecycle {
  /** {@code SmartLifecycle.DEFAULT_PHASE - 1024}, Spring Boot's web-server graceful-shutdown phase. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

  /** Where the server is in its life; read by the health indicator. */
  enum State { NEW, RUNNING, STOPPING, STOPPED }

  private final StreamKitServer server;
  private final Broker broker;
  private final ConfigurableEnvironment environment;
  private volatile State state = State.NEW;
  private volatile boolean brokerAvailable = true;
  private volatile String brokerReason = "";

  /**
   * @param server the server to start and drain
   * @param broker the broker whose availability to follow: the one the server was given, or the server's own
   * @param environment where to publish the bound ports
   */
  public StreamKitServerLifecycle(StreamKitServer server, Broker broker, ConfigurableEnvironment environment) {
    this.server = server;
    this.broker = broker;
    this.environment = environment;
  }

  @Override
  public synchronized void start() {
    if (state != State.NEW) {
      throw new IllegalStateException("the embedded StreamKit server was " + state.name().toLowerCase()
          + " and cannot start again; a StreamKitServer serves once (refresh a new application context instead)");
    }
    server.start();
    broker.watchAvailability((available, reason) -> {
      brokerReason = reason;
      brokerAvailable = available;
    });
    Map<String, Object> ports = new HashMap<>();
    ports.put("local.streamkit.server.port", server.port());
    if (server.metricsPort() >= 0) {
      ports.put("local.streamkit.metrics.port", server.metricsPort());
    }
    environment.getPropertySources().addFirst(new MapPropertySource("streamkit.server.ports", ports));
    state = State.RUNNING;
  }

  @Override
  public void stop(Runnable callback) {
    state = State.STOPPING;
    Thread drain = new Thread(() -> {
      try {
        server.close();
      } finally {
        state = State.STOPPED;
        callback.run();
      }
    }, "streamkit-drain");
    drain.start();
  }

  @Override
  public void stop() {
    state = State.STOPPING;
    try {
      server.close();
    } finally {
      state = State.STOPPED;
    }
  }

  /** True from start until the drain has finished. */
  @Override
  public boolean isRunning() {
    State s = state;
    return s == State.RUNNING || s == State.STOPPING;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  /** The server this lifecycle runs. */
  public StreamKitServer server() {
    return server;
  }

  State state() {
    return state;
  }

  boolean brokerAvailable() {
    return brokerAvailable;
  }

  String brokerReason() {
    return brokerReason;
  }
}
