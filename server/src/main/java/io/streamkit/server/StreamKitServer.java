package io.streamkit.server;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.internal.ChatConfig;
import io.streamkit.server.internal.ChatServices;
import io.streamkit.server.internal.EchoHandler;
import io.streamkit.server.internal.GreeterHandler;
import io.streamkit.server.internal.PluginLoader;
import io.streamkit.server.internal.RouteTable;
import io.streamkit.server.internal.StreamRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A StreamKit gRPC server: serves {@code streamkit.v1.StreamService} and {@code example.Greeter} over Netty,
 * with the standard health service and server reflection.
 *
 * <p>Create with {@link #builder()}, then {@link #start()}; the caller owns the server and must
 * {@link #close()} it (idempotent). An unclosed server keeps its port and threads.
 *
 * <p>Threading: thread-safe. Inbound messages of non-blocking handlers are handled on the transport event loop
 * with no thread hop; {@link io.streamkit.server.handler.Blocking} handlers run on a bounded pool of
 * {@link Builder#blockingThreads(int)} threads.
 *
 * <p>Shutdown: {@link #close()} stops accepting streams (clients get GOAWAY), lets open streams go on for
 * {@link Builder#shutdownGracePeriod(Duration)}, then ends those still open with UNAVAILABLE so that clients
 * reconnect elsewhere.
 */
public final class StreamKitServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StreamKitServer.class);

  private final ServerSettings settings;
  private final RouteTable routes;
  private final StreamRegistry registry = new StreamRegistry();
  private final HealthStatusManager health = new HealthStatusManager();
  private final ExecutorService blockingExecutor;
  private final Broker broker;
  /** The broker this server created and must close; null when the application supplied its own. */
  private final Broker ownedBroker;
  private final Server server;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private StreamKitServer(ServerSettings settings, List<MessageHandler> handlers, Broker broker) {
    this.settings = settings;
    this.routes = RouteTable.of(handlers);
    this.ownedBroker = broker == null
        ? InMemoryBroker.builder()
            .historyMaxEvents(settings.historyMaxEvents())
            .historyMaxAge(settings.historyMaxAge())
            .maxSubscriberLag(settings.maxSubscriberLag())
            .build()
        : null;
    this.broker = broker == null ? ownedBroker : broker;
    this.blockingExecutor = newBlockingExecutor(settings.blockingThreads());
    ChatConfig chat = new ChatConfig(
        routes, registry, blockingExecutor, settings.maxQueuedBytesPerStream(), this.broker);
    this.server =
        NettyServerBuilder.forAddress(new InetSocketAddress(settings.host(), settings.port()))
            // No thread hop per message: transport callbacks run on the event loop and our own code never
            // blocks there (blocking handlers are moved to blockingExecutor by the stream's lane).
            .directExecutor()
            .maxInboundMessageSize(settings.maxInboundMessageSize())
            .addService(ChatServices.streamService(chat))
            .addService(ChatServices.greeter(chat))
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .build();
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
      throw new UncheckedIOException(
          "cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e);
    }
    health.setStatus("", ServingStatus.SERVING);
    broker.watchAvailability(this::brokerAvailability);
    log.info("StreamKit server listening on {} with routes {}", server.getListenSockets(), routes.names());
    return this;
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
   * gRPC: {@code server.broker().publish("orders", payload, Map.of())}.
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
   * Graceful shutdown, blocking for at most the grace period plus a few seconds; idempotent. New streams are
   * refused at once; open streams still open after the grace period end with UNAVAILABLE.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(settings.shutdownGracePeriod().toMillis(), TimeUnit.MILLISECONDS)) {
        int ended =
            registry.abortAll(
                Status.UNAVAILABLE.withDescription("server is shutting down; reconnect to continue"));
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
      blockingExecutor.shutdown();
      if (ownedBroker != null) {
        ownedBroker.close();
      }
    }
    log.info("StreamKit server stopped");
  }

  private static ExecutorService newBlockingExecutor(int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "streamkit-blocking-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    // The queue needs no bound of its own: each stream has at most one task in it (its lane's drain loop),
    // and each lane holds at most the stream's inbound window of messages.
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
    private final ServerSettings.Builder settings = ServerSettings.builder();
    private final List<MessageHandler> handlers = new ArrayList<>();
    private boolean builtIns = true;
    private Broker broker;

    private Builder() {}

    /** The TCP port; 0 picks a free one (see {@link StreamKitServer#port()}). Default 9090. */
    public Builder port(int port) {
      settings.port(port);
      return this;
    }

    /** The address to bind. Default {@code 0.0.0.0} (every interface). */
    public Builder host(String host) {
      settings.host(host);
      return this;
    }

    /** Applies every option of {@code options}, replacing what was set before. */
    public Builder settings(ServerSettings options) {
      settings.from(options);
      return this;
    }

    /** Largest inbound message accepted, in bytes; larger ones fail with RESOURCE_EXHAUSTED. Default 4 MiB. */
    public Builder maxInboundMessageSize(int bytes) {
      settings.maxInboundMessageSize(bytes);
      return this;
    }

    /**
     * Bound of one stream's outbound buffer, in serialized bytes. A stream whose client does not read ends
     * with RESOURCE_EXHAUSTED when its buffer would exceed this. Default 4 MiB.
     */
    public Builder maxQueuedBytesPerStream(long bytes) {
      settings.maxQueuedBytesPerStream(bytes);
      return this;
    }

    /** Threads that run {@link io.streamkit.server.handler.Blocking} handlers. Default 64. */
    public Builder blockingThreads(int threads) {
      settings.blockingThreads(threads);
      return this;
    }

    /** How long open streams may go on after {@link StreamKitServer#close()} began. Default 5 s. */
    public Builder shutdownGracePeriod(Duration grace) {
      settings.shutdownGracePeriod(grace);
      return this;
    }

    /**
     * The broker for Subscribe, Publish and handlers' topics. The application keeps ownership: the server does
     * not close it. Default: an {@link InMemoryBroker} configured from the history settings, closed with the
     * server.
     */
    public Builder broker(Broker broker) {
      if (broker == null) {
        throw new IllegalArgumentException("broker: null (expected: a Broker)");
      }
      this.broker = broker;
      return this;
    }

    /** In-memory broker: events retained per topic. Default 10,000. */
    public Builder historyMaxEvents(int events) {
      settings.historyMaxEvents(events);
      return this;
    }

    /** In-memory broker: age past which retained events are dropped. Default 1 hour. */
    public Builder historyMaxAge(Duration age) {
      settings.historyMaxAge(age);
      return this;
    }

    /** In-memory broker: how far behind a subscriber may fall before it is ended. Default 10,000 events. */
    public Builder maxSubscriberLag(long events) {
      settings.maxSubscriberLag(events);
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

    /**
     * Creates the server (not started).
     *
     * @throws IllegalStateException if two handlers serve one route; the message names both classes
     */
    public StreamKitServer build() {
      List<MessageHandler> all = new ArrayList<>();
      if (builtIns) {
        all.add(new EchoHandler());
        all.add(new GreeterHandler());
      }
      all.addAll(handlers);
      return new StreamKitServer(settings.build(), all, broker);
    }
  }
}
