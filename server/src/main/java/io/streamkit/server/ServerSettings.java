package io.streamkit.server;

import java.time.Duration;

/**
 * The server's tunable options, immutable: where it listens, its per-stream limits, its blocking pool, its
 * shutdown grace period, its connection settings
 * and its HTTP port. Topic history and subscriber lag are the broker's (see
 * {@code StreamKitServer.Builder.inMemoryBroker}). Built with {@link #builder()}, whose setters validate at once; the
 * server app's command line (module {@code server-app}) parses flags, environment variables and files into one of these.
 *
 * <p>Thread-safe (immutable). A value: it holds no resource and needs no closing; one instance may configure several
 * servers.
 */
public final class ServerSettings {
  /** 4 MiB, grpc-java's own default inbound limit. */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_SIZE = 4 * 1024 * 1024;

  private final String host;
  private final int port;
  private final int maxInboundMessageSize;
  private final long maxQueuedBytesPerStream;
  private final int blockingThreads;
  private final Duration shutdownGracePeriod;
  private final ConnectionSettings connection;
  private final HttpSettings http;

  private ServerSettings(Builder b) {
    this.host = b.host;
    this.port = b.port;
    this.maxInboundMessageSize = b.maxInboundMessageSize;
    this.maxQueuedBytesPerStream = b.maxQueuedBytesPerStream;
    this.blockingThreads = b.blockingThreads;
    this.shutdownGracePeriod = b.shutdownGracePeriod;
    this.connection = b.connection;
    this.http = b.http;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, to change some of them. */
  public Builder toBuilder() {
    return new Builder().from(this);
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public int maxInboundMessageSize() {
    return maxInboundMessageSize;
  }

  public long maxQueuedBytesPerStream() {
    return maxQueuedBytesPerStream;
  }

  public int blockingThreads() {
    return blockingThreads;
  }

  public Duration shutdownGracePeriod() {
    return shutdownGracePeriod;
  }

  /** Keepalive, connection limits, rapid-reset protection, idle timeouts and compression. */
  public ConnectionSettings connection() {
    return connection;
  }

  /** The HTTP port for browsers (Connect, gRPC-Web, Server-Sent Events, the console); off by default. */
  public HttpSettings http() {
    return http;
  }

  @Override
  public String toString() {
    return "ServerSettings{host=" + host + ", port=" + port
        + ", maxInboundMessageSize=" + maxInboundMessageSize
        + ", maxQueuedBytesPerStream=" + maxQueuedBytesPerStream
        + ", blockingThreads=" + blockingThreads
        + ", shutdownGracePeriod=" + shutdownGracePeriod
        + ", connection=" + connection
        + ", http=" + http + "}";
  }

  /** Builds {@link ServerSettings}. Thread-compatible. Each setter names the field and value it rejects. */
  public static final class Builder {
    private String host = "0.0.0.0";
    private int port = 9090;
    private int maxInboundMessageSize = DEFAULT_MAX_INBOUND_MESSAGE_SIZE;
    private long maxQueuedBytesPerStream = 4L * 1024 * 1024;
    private int blockingThreads = 64;
    private Duration shutdownGracePeriod = Duration.ofSeconds(5);
    private ConnectionSettings connection = ConnectionSettings.defaults();
    private HttpSettings http = HttpSettings.off();

    private Builder() {}

    Builder from(ServerSettings s) {
      host = s.host;
      port = s.port;
      maxInboundMessageSize = s.maxInboundMessageSize;
      maxQueuedBytesPerStream = s.maxQueuedBytesPerStream;
      blockingThreads = s.blockingThreads;
      shutdownGracePeriod = s.shutdownGracePeriod;
      connection = s.connection;
      http = s.http;
      return this;
    }

    /** Default {@code 0.0.0.0}. */
    public Builder host(String host) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("host: '" + host + "' (expected: a host name or IP address)");
      }
      this.host = host;
      return this;
    }

    /** Default 9090; 0 picks a free port. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0 to 65535)");
      }
      this.port = port;
      return this;
    }

    /** In bytes. Default 4 MiB. */
    public Builder maxInboundMessageSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxInboundMessageSize: " + bytes + " (expected: > 0 bytes)");
      }
      this.maxInboundMessageSize = bytes;
      return this;
    }

    /** In serialized bytes. Default 4 MiB. */
    public Builder maxQueuedBytesPerStream(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxQueuedBytesPerStream: " + bytes + " (expected: > 0 bytes)");
      }
      this.maxQueuedBytesPerStream = bytes;
      return this;
    }

    /** Default 64. */
    public Builder blockingThreads(int threads) {
      if (threads <= 0 || threads > 10_000) {
        throw new IllegalArgumentException("blockingThreads: " + threads + " (expected: 1 to 10000)");
      }
      this.blockingThreads = threads;
      return this;
    }

    /** Default 5 s. */
    public Builder shutdownGracePeriod(Duration grace) {
      if (grace == null || grace.isNegative()) {
        throw new IllegalArgumentException("shutdownGracePeriod: " + grace + " (expected: a duration >= 0)");
      }
      this.shutdownGracePeriod = grace;
      return this;
    }

    /** Keepalive, connection limits, idle timeouts and compression. Default {@link ConnectionSettings#defaults()}. */
    public Builder connection(ConnectionSettings connection) {
      if (connection == null) {
        throw new IllegalArgumentException("connection: null (expected: ConnectionSettings)");
      }
      this.connection = connection;
      return this;
    }

    /**
     * The HTTP port for browsers: Connect, gRPC-Web, Server-Sent Events and the web console (docs/WEB.md). Default
     * {@link HttpSettings#off()}.
     */
    public Builder http(HttpSettings http) {
      if (http == null) {
        throw new IllegalArgumentException("http: null (expected: HttpSettings, or HttpSettings.off())");
      }
      this.http = http;
      return this;
    }

    public ServerSettings build() {
      return new ServerSettings(this);
    }
  }
}
