package io.streamkit.server;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.internal.handlers.EchoHandler;
import io.streamkit.server.internal.handlers.GreeterHandler;
import io.streamkit.server.internal.metrics.ServerMetrics;
import io.streamkit.server.internal.plugins.PluginLoader;
import io.streamkit.server.internal.rpc.RouteTable;
import io.streamkit.server.internal.rpc.ServerContext;
import io.streamkit.server.internal.rpc.StreamRegistry;
import io.streamkit.server.internal.rpc.StreamServices;
import io.streamkit.server.internal.security.CallSecurity;
import io.streamkit.server.internal.security.SecurityPlan;
import io.streamkit.server.internal.tracing.ServerTracing;
import io.streamkit.server.internal.transport.ConnectionGuard;
import io.streamkit.server.internal.transport.NettyTransport;
import io.streamkit.server.internal.web.WebListener;
import io.streamkit.server.security.Authenticator;
import io.streamkit.server.security.Authorizer;
import io.streamkit.server.security.ServerTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A StreamKit gRPC server: serves {@code streamkit.v1.StreamService} and {@code example.Greeter} over Netty,
 * with the standard health service and server reflection. Security (TLS, authentication, authorization) is
 * configured on the builder, see {@link io.streamkit.server.security}; health and reflection stay open.
 *
 * <p>With {@link HttpSettings} (off by default) it also serves an HTTP port for browsers: the same services over the
 * Connect protocol and gRPC-Web, topics as Server-Sent Events and a web console (docs/WEB.md), on the same event
 * loops, TLS, authentication and limits, drained with the gRPC port.
 *
 * <p>Create with {@link #builder()}, then {@link #start()}; the caller owns the server and must
 * {@link #close()} it (idempotent). An unclosed server keeps its port and threads.
 *
 * <p>Threading: thread-safe. Inbound messages of non-blocking handlers are handled on the transport event loop
 * with no thread hop; {@link io.streamkit.server.handler.Blocking} handlers run on a bounded pool of
 * {@link ServerSettings.Builder#blockingThreads(int)} threads.
 *
 * <p>Tracing: off unless {@link Builder#openTelemetry(OpenTelemetry)} is given; then Chat and Call messages,
 * Subscribe and Publish streams, each published event and each delivery get spans, and every event carries its
 * publish span's W3C {@code traceparent} in its headers (docs/ARCHITECTURE.md, "Tracing").
 *
 * <p>Shutdown: {@link #close()} stops accepting streams (clients get GOAWAY), lets open streams go on for the
 * {@link ServerSettings#shutdownGracePeriod() grace period}, then ends those still open with UNAVAILABLE so that
 * clients reconnect elsewhere; {@link #close(Duration)} takes another grace, {@link #closeNow()} none.
 */
public final class StreamKitServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StreamKitServer.class);

  private final ServerSettings settings;
  private final RouteTable routes;
  private final StreamRegistry registry = new StreamRegistry();
  private final HealthStatusManager health = new HealthStatusManager();
  private final ExecutorService blockingExecutor;
  /** One thread for stream idle checks; tasks are tiny and never block. */
  private final ScheduledExecutorService timer;
  private final Broker broker;
  /** The broker this server created and must close; null when the application supplied its own. */
  private final Broker ownedBroker;
  private final Server server;
  /** The event loops and the watch on each connection (limits, bans, stuck closes). Closed after the server. */
  private final ConnectionGuard connections;
  private final ServerMetrics metrics;
  /** The HTTP port (Connect, gRPC-Web, Server-Sent Events, console); null when off. */
  private final WebListener web;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final java.util.concurrent.CountDownLatch closeDone = new java.util.concurrent.CountDownLatch(1);

  private StreamKitServer(
      ServerSettings settings, List<MessageHandler> handlers, Broker broker, InMemoryBroker.Builder inMemoryBroker,
      ServerMetrics metrics, SecurityPlan securityPlan, ServerTracing tracing) {
    this.settings = settings;
    this.metrics = metrics;
    this.routes = RouteTable.of(handlers, metrics);
    this.ownedBroker = broker == null ? inMemoryBroker.build() : null;
    this.broker = WebListener.directory(
        metrics.instrument(tracing.instrument(broker == null ? ownedBroker : broker)), settings.http());
    this.blockingExecutor = newBlockingExecutor(settings.blockingThreads());
    this.timer = newTimer();
    CallSecurity security = securityPlan.callSecurity();
    ServerContext chat = new ServerContext(routes, registry, blockingExecutor, settings.maxQueuedBytesPerStream(),
        this.broker, timer, settings.connection().streamIdleTimeout(), security, tracing);
    log.info("security: {}", securityPlan.describe(security));
    this.connections = new ConnectionGuard(settings.connection());
    List<ServerServiceDefinition> services = List.of(
        security.guard(StreamServices.streamService(chat)),
        security.guard(StreamServices.greeter(chat)),
        health.getHealthService().bindService(),
        ProtoReflectionServiceV1.newInstance().bindService());
    NettyServerBuilder transport =
        metrics.instrument(NettyTransport.builder(settings, connections)).sslContext(securityPlan.sslContext());
    services.forEach(transport::addService);
    this.server = transport.build();
    this.web = settings.http().enabled()
        ? new WebListener(settings, connections, securityPlan.httpSslContext(), services, this.broker, metrics.web())
        : null;
  }

  /** A builder with the defaults documented on each setter. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the port and starts serving.
   *
   * @throws UncheckedIOException if the port cannot be bound
   * @throws IllegalStateException if already started
   */
  public StreamKitServer start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("server already started; create a new one with StreamKitServer.builder()");
    }
    try {
      server.start();
    } catch (IOException e) {
      blockingExecutor.shutdownNow();
      timer.shutdownNow();
      connections.close();
      metrics.close();
      throw new UncheckedIOException(
          "cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e);
    }
    startMetrics();
    startWeb();
    health.setStatus("", ServingStatus.SERVING);
    broker.watchAvailability(this::brokerAvailability);
    log.info("StreamKit server listening on {} with routes {}", server.getListenSockets(), routes.names());
    return this;
  }

  private void startMetrics() {
    try {
      metrics.start();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private void startWeb() {
    if (web == null) {
      return;
    }
    try {
      web.start();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * The bound HTTP port (Connect, gRPC-Web, Server-Sent Events and the console; see {@link HttpSettings}), or -1 when
   * none is served.
   */
  public int httpPort() {
    return web == null ? -1 : web.port();
  }

  /** The bound metrics port (see {@link Builder#metricsPort(int)}), or -1 when no metrics endpoint is served. */
  public int metricsPort() {
    return metrics.port();
  }

  /** Health follows the broker: NOT_SERVING while it cannot store or deliver events (e.g. Redis unreachable). */
  private void brokerAvailability(boolean available, String reason) {
    if (closed.get()) {
      return; // the health service is in its terminal state: NOT_SERVING for good
    }
    health.setStatus("", available ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    if (!available) {
      log.warn("health NOT_SERVING: {}", reason);
    }
  }

  /** The bound port (the actual one when the builder asked for port 0). */
  public int port() {
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  /** The routes served, sorted. */
  public Set<String> routes() {
    return routes.names();
  }

  /**
   * The broker behind Subscribe and Publish. An embedding application publishes with it directly, without
   * gRPC: {@code server.broker().publish("orders", payload, Map.of())}. With metrics on, this is a wrapper that
   * counts per topic around the broker that stores the events; with the HTTP console on, one that keeps what the
   * console shows; with tracing on, one that makes the publish spans and writes their trace context into the
   * events' headers.
   */
  public Broker broker() {
    return broker;
  }

  /** Current stream figures. */
  public ServerStats stats() {
    return new ServerStats(
        registry.openStreams(),
        registry.streamsOpened(),
        registry.queuedOutboundBytes(),
        registry.peakQueuedOutboundBytesPerStream());
  }

  /** Blocks until the server has terminated (after {@link #close()} from another thread). */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * Graceful shutdown with the configured {@link ServerSettings#shutdownGracePeriod() grace period}; see
   * {@link #close(Duration)}.
   */
  @Override
  public void close() {
    close(settings.shutdownGracePeriod());
  }

  /**
   * Graceful shutdown, blocking for at most {@code grace} plus a few seconds: new streams are refused at once
   * (clients get GOAWAY and health goes NOT_SERVING), open streams may go on for {@code grace}, and those still open
   * after it end with UNAVAILABLE. Returns as soon as no stream is open, so a server whose clients hold no stream
   * closes at once whatever the grace. Idempotent: a later call, with any grace, waits until the first one's
   * shutdown is complete.
   *
   * @param grace how long open streams may go on; zero ends them at once (see {@link #closeNow()})
   * @throws IllegalArgumentException if {@code grace} is null or negative
   */
  public void close(Duration grace) {
    if (grace == null || grace.isNegative()) {
      throw new IllegalArgumentException("grace: " + grace + " (expected: a duration >= 0)");
    }
    if (!closed.compareAndSet(false, true)) {
      // Another thread is closing (e.g. the SIGTERM drain): wait until it is done, so that a caller that
      // returns from close() (and the JVM exiting after it) never cuts the drain short.
      try {
        closeDone.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    try {
      drain(grace);
    } finally {
      closeDone.countDown();
    }
  }

  /**
   * Shuts down without a grace period: new streams are refused and open ones end with UNAVAILABLE at once (clients
   * resume elsewhere). The same as {@code close(Duration.ZERO)}; idempotent.
   */
  public void closeNow() {
    close(Duration.ZERO);
  }

  private void drain(Duration grace) {
    health.enterTerminalState();
    server.shutdown();
    if (web != null) {
      web.drain();
    }
    try {
      long graceNanos = grace.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toNanos() : grace.toNanos();
      if (!awaitQuiet(System.nanoTime() + graceNanos)) {
        int ended = registry.abortAll(ErrorDetails.withReason(
            Status.UNAVAILABLE.withDescription("server is shutting down; reconnect to continue"),
            ErrorReason.SERVER_SHUTTING_DOWN, Map.of()));
        log.info("grace period over: ended {} open stream(s) with UNAVAILABLE", ended);
        if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
          server.shutdownNow();
          server.awaitTermination(2, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    } finally {
      if (web != null) {
        web.close();
      }
      blockingExecutor.shutdown();
      timer.shutdownNow();
      connections.close();
      if (ownedBroker != null) {
        ownedBroker.close();
      }
      metrics.close();
    }
    log.info("StreamKit server stopped");
  }

  /**
   * Waits until the gRPC server terminated and no stream is left in the registry (HTTP calls and Server-Sent Events
   * streams are there too, and the gRPC server does not know them); false if the deadline came first.
   */
  private boolean awaitQuiet(long deadlineNanos) throws InterruptedException {
    if (!server.awaitTermination(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS)) {
      return false;
    }
    while (registry.openStreams() > 0) {
      if (System.nanoTime() - deadlineNanos >= 0) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  private static ScheduledExecutorService newTimer() {
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "streamkit-timer");
      thread.setDaemon(true);
      return thread;
    });
    t.setRemoveOnCancelPolicy(true); // idle checks of ended streams must not pile up
    return t;
  }

  private static ExecutorService newBlockingExecutor(int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "streamkit-blocking-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    // The queue needs no bound of its own: each stream has at most one task in it (its sequencer's drain loop),
    // and each sequencer holds at most the stream's inbound window of messages.
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * Configures a {@link StreamKitServer}. Thread-compatible: use from one thread. Setters validate at once and
   * throw IllegalArgumentException naming the field, the value and what was expected.
   */
  public static final class Builder {
    private ServerSettings.Builder settings = ServerSettings.builder();
    private final InMemoryBroker.Builder inMemoryBroker = InMemoryBroker.builder();
    private boolean inMemoryBrokerConfigured;
    private final List<MessageHandler> handlers = new ArrayList<>();
    private boolean builtIns = true;
    private Broker broker;
    private int metricsPort = -1;
    /** Null for no tracing. */
    private OpenTelemetry openTelemetry;
    private MeterRegistry meterRegistry;
    private final SecurityPlan security = new SecurityPlan();

    private Builder() {}

    /**
     * Replaces every option with those of {@code settings} (listening address, limits, grace period, connection
     * settings). Default {@link ServerSettings#builder()}'s defaults.
     */
    public Builder settings(ServerSettings settings) {
      if (settings == null) {
        throw new IllegalArgumentException("settings: null (expected: ServerSettings)");
      }
      this.settings = settings.toBuilder();
      return this;
    }

    /**
     * Changes some options in place: {@code builder.settings(o -> o.port(0).shutdownGracePeriod(grace))}. Each
     * setter of {@link ServerSettings.Builder} validates at once and throws IllegalArgumentException naming the
     * option, the value and what was expected.
     */
    public Builder settings(Consumer<ServerSettings.Builder> edit) {
      if (edit == null) {
        throw new IllegalArgumentException("settings: null (expected: a function that sets options)");
      }
      edit.accept(settings);
      return this;
    }

    /**
     * The broker for Subscribe, Publish and handlers' topics. The application keeps ownership: the server does
     * not close it. Default: an {@link InMemoryBroker} configured by {@link #inMemoryBroker(Consumer)}, closed
     * with the server.
     */
    public Builder broker(Broker broker) {
      if (broker == null) {
        throw new IllegalArgumentException("broker: null (expected: a Broker)");
      }
      this.broker = broker;
      return this;
    }

    /**
     * Configures the in-memory broker this server makes, owns and closes when no {@link #broker(Broker)} is given:
     * {@code builder.inMemoryBroker(b -> b.historyMaxEvents(1000).maxSubscriberLag(500))}. The one place to set
     * its history and lag limits; see {@link InMemoryBroker.Builder}. Default: {@link InMemoryBroker}'s defaults.
     */
    public Builder inMemoryBroker(Consumer<InMemoryBroker.Builder> configure) {
      if (configure == null) {
        throw new IllegalArgumentException("inMemoryBroker: null (expected: a function that configures it)");
      }
      configure.accept(inMemoryBroker);
      inMemoryBrokerConfigured = true;
      return this;
    }

    /**
     * Port of the Prometheus endpoint ({@code GET /metrics}, bound to the same host): -1 for none, 0 for a free
     * one (see {@link StreamKitServer#metricsPort()}). Default -1: metrics are off unless asked for. The metric
     * names are in docs/METRICS.md.
     */
    public Builder metricsPort(int port) {
      if (port < -1 || port > 65535) {
        throw new IllegalArgumentException(
            "metricsPort: " + port + " (expected: -1 for no endpoint, 0 for a free port, or 1 to 65535)");
      }
      this.metricsPort = port;
      return this;
    }

    /**
     * An application's Micrometer registry to add the server's meters to (without JVM metrics, which are the
     * application's to bind). The application keeps ownership; the server removes its meters when it closes.
     * Works with or without {@link #metricsPort(int)}. Default: none.
     */
    public Builder meterRegistry(MeterRegistry registry) {
      if (registry == null) {
        throw new IllegalArgumentException("meterRegistry: null (expected: a MeterRegistry)");
      }
      this.meterRegistry = registry;
      return this;
    }

    /**
     * Traces the server with {@code openTelemetry} (an SDK the application configured, e.g. from the
     * {@code OTEL_*} environment with the SDK's autoconfigure module): spans for Chat and Call messages (children
     * of a message's W3C {@code traceparent} header, current while the handler runs), Subscribe and Publish
     * streams, each published event (whose trace context the event then carries in its headers) and each
     * delivery to a subscriber (a child of the event's). The application keeps ownership. Default: none, and
     * tracing costs nothing.
     */
    public Builder openTelemetry(OpenTelemetry openTelemetry) {
      if (openTelemetry == null) {
        throw new IllegalArgumentException("openTelemetry: null (expected: an OpenTelemetry, e.g. an SDK)");
      }
      this.openTelemetry = openTelemetry;
      return this;
    }

    /** Registers a handler in code (for embedding); it joins those found with ServiceLoader. */
    public Builder handler(MessageHandler handler) {
      if (handler == null) {
        throw new IllegalArgumentException("handler: null (expected: a MessageHandler)");
      }
      handlers.add(handler);
      return this;
    }

    /**
     * Registers every handler that {@link java.util.ServiceLoader} finds through {@code loader} (its
     * {@code META-INF/services/io.streamkit.server.handler.MessageHandler} files).
     */
    public Builder discoverHandlers(ClassLoader loader) {
      handlers.addAll(PluginLoader.discover(loader));
      return this;
    }

    /** Whether to serve the built-in {@code echo} and {@code greeter} routes. Default true. */
    public Builder builtInHandlers(boolean enabled) {
      this.builtIns = enabled;
      return this;
    }

    /** Serves TLS (and mutual TLS when {@code tls} has a client CA). Default: plaintext. */
    public Builder tls(ServerTls tls) {
      if (tls == null) {
        throw new IllegalArgumentException("tls: null (expected: a ServerTls)");
      }
      security.tls(tls);
      return this;
    }

    /**
     * Authenticates every StreamKit and Greeter call with {@code authenticator}. Default: none, or with mutual
     * TLS the client certificate's CN. At most one per server, counting discovered ones.
     */
    public Builder authenticator(Authenticator authenticator) {
      if (authenticator == null) {
        throw new IllegalArgumentException("authenticator: null (expected: an Authenticator)");
      }
      security.add(authenticator);
      return this;
    }

    /** Decides per Chat route and per topic. Default: allow all. At most one per server, counting discovered ones. */
    public Builder authorizer(Authorizer authorizer) {
      if (authorizer == null) {
        throw new IllegalArgumentException("authorizer: null (expected: an Authorizer)");
      }
      security.add(authorizer);
      return this;
    }

    /**
     * Adds the {@link Authenticator} and {@link Authorizer} that {@link java.util.ServiceLoader} finds through
     * {@code loader}.
     */
    public Builder discoverSecurity(ClassLoader loader) {
      security.discover(loader);
      return this;
    }

    /**
     * Creates the server (not started).
     *
     * @throws IllegalStateException if two handlers serve one route, or there are two authenticators or two
     *     authorizers (the message names both classes); or both {@link #broker(Broker)} and
     *     {@link #inMemoryBroker(Consumer)} were given, since the server would ignore the latter
     */
    public StreamKitServer build() {
      if (broker != null && inMemoryBrokerConfigured) {
        throw new IllegalStateException("broker(" + broker.getClass().getSimpleName() + ") and inMemoryBroker(...) "
            + "are both set: the server uses the broker given and would ignore the in-memory broker's settings "
            + "(history and lag limits); set them on that broker's own builder, or drop broker(...)");
      }
      List<MessageHandler> all = new ArrayList<>();
      if (builtIns) {
        all.add(new EchoHandler());
        all.add(new GreeterHandler());
      }
      all.addAll(handlers);
      ServerSettings built = settings.build();
      ServerMetrics metrics = ServerMetrics.create(built.host(), metricsPort, meterRegistry);
      try {
        return new StreamKitServer(built, all, broker, inMemoryBroker, metrics, security,
            ServerTracing.of(openTelemetry));
      } catch (RuntimeException e) {
        metrics.close(); // e.g. two handlers for one route: release the meters and the JVM binders
        throw e;
      }
    }
  }
}
