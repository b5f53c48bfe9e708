package io.streamkit.server;

import io.streamkit.server.broker.TopicLimits;
import java.time.Duration;

/**
 * The server's tunable options, immutable. Built with {@link #builder()}, whose setters validate at once; the
 * server app's command line (module {@code server-app}) parses flags, environment variables and files into one of these.
 *
 * <p>Thread-safe (immutable).
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
  private final TopicLimits topicLimits;
  private final ConnectionSettings connection;

  private ServerSettings(Builder b) {
    this.host = b.host;
    this.port = b.port;
    this.maxInboundMessageSize = b.maxInboundMessageSize;
    this.maxQueuedBytesPerStream = b.maxQueuedBytesPerStream;
    this.blockingThreads = b.blockingThreads;
    this.shutdownGracePeriod = b.shutdownGracePeriod;
    this.topicLimits = b.limits;
    this.connection = b.connection;
  }

  public static Builder builder() {
    return new Builder();
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

  /** Per-topic history and subscriber lag limits, given to the broker the server makes. */
  public TopicLimits topicLimits() {
    return topicLimits;
  }

  public int historyMaxEvents() {
    return topicLimits.historyMaxEvents();
  }

  public Duration historyMaxAge() {
    return topicLimits.historyMaxAge();
  }

  public long maxSubscriberLag() {
    return topicLimits.maxSubscriberLag();
  }

  /** Keepalive, connection limits, rapid-reset protection, idle timeouts and compression. */
  public ConnectionSettings connection() {
    return connection;
  }

  @Override
  public String toString() {
    return "ServerSettings{host=" + host + ", port=" + port
        + ", maxInboundMessageSize=" + maxInboundMessageSize
        + ", maxQueuedBytesPerStream=" + maxQueuedBytesPerStream
        + ", blockingThreads=" + blockingThreads
        + ", shutdownGracePeriod=" + shutdownGracePeriod
        + ", topicLimits=" + topicLimits
        + ", connection=" + connection + "}";
  }

  /** Builds {@link ServerSettings}. Thread-compatible. Each setter names the field and value it rejects. */
  public static final class Builder {
    private String host = "0.0.0.0";
    private int port = 9090;
    private int maxInboundMessageSize = DEFAULT_MAX_INBOUND_MESSAGE_SIZE;
    private long maxQueuedBytesPerStream = 4L * 1024 * 1024;
    private int blockingThreads = 64;
    private Duration shutdownGracePeriod = Duration.ofSeconds(5);
    private TopicLimits limits = TopicLimits.DEFAULTS;
    private ConnectionSettings connection = ConnectionSettings.defaults();

    private Builder() {}

    Builder from(ServerSettings s) {
      host = s.host;
      port = s.port;
      maxInboundMessageSize = s.maxInboundMessageSize;
      maxQueuedBytesPerStream = s.maxQueuedBytesPerStream;
      blockingThreads = s.blockingThreads;
      shutdownGracePeriod = s.shutdownGracePeriod;
      limits = s.topicLimits;
      connection = s.connection;
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

    /** Events the in-memory broker retains per topic for replay. Default 10,000. */
    public Builder historyMaxEvents(int events) {
      limits = limits.withHistoryMaxEvents(events);
      return this;
    }

    /** Age past which the in-memory broker drops retained events. Default 1 hour. */
    public Builder historyMaxAge(Duration age) {
      limits = limits.withHistoryMaxAge(age);
      return this;
    }

    /**
     * Events a subscriber may fall behind (among those published since it subscribed) before it is ended with
     * RESOURCE_EXHAUSTED. Default 10,000 (a burst of publishes within one event-loop turn
     * must not end a healthy subscriber; a slow one costs only its position, not a copy of the events).
     */
    public Builder maxSubscriberLag(long events) {
      limits = limits.withMaxSubscriberLag(events);
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

    public ServerSettings build() {
      return new ServerSettings(this);
    }
  }
}
