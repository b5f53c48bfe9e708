package io.streamkit.server;

import java.time.Duration;

/**
 * How the server treats connections and long-lived streams: keepalive, idle and age limits, per-connection
 * limits, HTTP/2 rapid-reset protection, the TLS handshake timeout and the default response compression.
 * Immutable; built with {@link #builder()}, whose setters validate at once. A duration of zero turns a
 * timeout off where the setter says so.
 *
 * <p>Vocabulary: a <em>deadline</em> is set by the client and ends a call at a fixed time; an <em>idle
 * timeout</em> ends a stream (or closes a connection) only after a period with no traffic, so a busy
 * long-lived stream is never cut. Keepalive pings keep idle connections open through NAT and proxies and
 * find dead peers.
 *
 * <p>Thread-safe (immutable). A value: it holds no resource and needs no closing.
 */
public final class ConnectionSettings {
  private final Duration keepAliveTime;
  private final Duration keepAliveTimeout;
  private final Duration permitKeepAliveTime;
  private final boolean permitKeepAliveWithoutCalls;
  private final Duration maxConnectionIdle;
  private final Duration maxConnectionAge;
  private final Duration maxConnectionAgeGrace;
  private final Duration handshakeTimeout;
  private final int maxConcurrentStreams;
  private final int maxInboundMetadataSize;
  private final int maxRstFramesPerWindow;
  private final Duration rstWindow;
  private final int maxControlFramesPerWindow;
  private final Duration controlFrameWindow;
  private final Duration abuseBan;
  private final Duration streamIdleTimeout;
  private final String compression;

  private ConnectionSettings(Builder b) {
    keepAliveTime = b.keepAliveTime;
    keepAliveTimeout = b.keepAliveTimeout;
    permitKeepAliveTime = b.permitKeepAliveTime;
    permitKeepAliveWithoutCalls = b.permitKeepAliveWithoutCalls;
    maxConnectionIdle = b.maxConnectionIdle;
    maxConnectionAge = b.maxConnectionAge;
    maxConnectionAgeGrace = b.maxConnectionAgeGrace;
    handshakeTimeout = b.handshakeTimeout;
    maxConcurrentStreams = b.maxConcurrentStreams;
    maxInboundMetadataSize = b.maxInboundMetadataSize;
    maxRstFramesPerWindow = b.maxRstFramesPerWindow;
    rstWindow = b.rstWindow;
    maxControlFramesPerWindow = b.maxControlFramesPerWindow;
    controlFrameWindow = b.controlFrameWindow;
    abuseBan = b.abuseBan;
    streamIdleTimeout = b.streamIdleTimeout;
    compression = b.compression;
  }

  /** The defaults, as documented on each setter. */
  public static ConnectionSettings defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, to change a few. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.keepAliveTime = keepAliveTime;
    b.keepAliveTimeout = keepAliveTimeout;
    b.permitKeepAliveTime = permitKeepAliveTime;
    b.permitKeepAliveWithoutCalls = permitKeepAliveWithoutCalls;
    b.maxConnectionIdle = maxConnectionIdle;
    b.maxConnectionAge = maxConnectionAge;
    b.maxConnectionAgeGrace = maxConnectionAgeGrace;
    b.handshakeTimeout = handshakeTimeout;
    b.maxConcurrentStreams = maxConcurrentStreams;
    b.maxInboundMetadataSize = maxInboundMetadataSize;
    b.maxRstFramesPerWindow = maxRstFramesPerWindow;
    b.rstWindow = rstWindow;
    b.maxControlFramesPerWindow = maxControlFramesPerWindow;
    b.controlFrameWindow = controlFrameWindow;
    b.abuseBan = abuseBan;
    b.streamIdleTimeout = streamIdleTimeout;
    b.compression = compression;
    return b;
  }

  public Duration keepAliveTime() {
    return keepAliveTime;
  }

  public Duration keepAliveTimeout() {
    return keepAliveTimeout;
  }

  public Duration permitKeepAliveTime() {
    return permitKeepAliveTime;
  }

  public boolean permitKeepAliveWithoutCalls() {
    return permitKeepAliveWithoutCalls;
  }

  /** Zero when off. */
  public Duration maxConnectionIdle() {
    return maxConnectionIdle;
  }

  /** Zero when off. */
  public Duration maxConnectionAge() {
    return maxConnectionAge;
  }

  public Duration maxConnectionAgeGrace() {
    return maxConnectionAgeGrace;
  }

  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  public int maxConcurrentStreams() {
    return maxConcurrentStreams;
  }

  public int maxInboundMetadataSize() {
    return maxInboundMetadataSize;
  }

  /** Zero when rapid-reset protection is off. */
  public int maxRstFramesPerWindow() {
    return maxRstFramesPerWindow;
  }

  public Duration rstWindow() {
    return rstWindow;
  }

  /** Zero when the control-frame limit is off. */
  public int maxControlFramesPerWindow() {
    return maxControlFramesPerWindow;
  }

  public Duration controlFrameWindow() {
    return controlFrameWindow;
  }

  /** Zero when off. */
  public Duration abuseBan() {
    return abuseBan;
  }

  /** Zero when off. */
  public Duration streamIdleTimeout() {
    return streamIdleTimeout;
  }

  /** {@code "identity"} (none) or {@code "gzip"}. */
  public String compression() {
    return compression;
  }

  @Override
  public String toString() {
    return "ConnectionSettings{keepAliveTime=" + keepAliveTime + ", keepAliveTimeout=" + keepAliveTimeout
        + ", permitKeepAliveTime=" + permitKeepAliveTime
        + ", permitKeepAliveWithoutCalls=" + permitKeepAliveWithoutCalls
        + ", maxConnectionIdle=" + maxConnectionIdle + ", maxConnectionAge=" + maxConnectionAge
        + ", maxConnectionAgeGrace=" + maxConnectionAgeGrace + ", handshakeTimeout=" + handshakeTimeout
        + ", maxConcurrentStreams=" + maxConcurrentStreams + ", maxInboundMetadataSize=" + maxInboundMetadataSize
        + ", maxRstFramesPerWindow=" + maxRstFramesPerWindow + ", rstWindow=" + rstWindow
        + ", maxControlFramesPerWindow=" + maxControlFramesPerWindow + ", controlFrameWindow=" + controlFrameWindow
        + ", abuseBan=" + abuseBan
        + ", streamIdleTimeout=" + streamIdleTimeout + ", compression=" + compression + "}";
  }

  /** Builds {@link ConnectionSettings}. Thread-compatible. Each setter names the field and value it rejects. */
  public static final class Builder {
    /** grpc-java's floor for a server keepalive time (KeepAliveManager.MIN_KEEPALIVE_TIME_NANOS). */
    private static final Duration MIN_KEEPALIVE_TIME = Duration.ofSeconds(10);

    private Duration keepAliveTime = Duration.ofSeconds(60);
    private Duration keepAliveTimeout = Duration.ofSeconds(20);
    private Duration permitKeepAliveTime = Duration.ofSeconds(5);
    private boolean permitKeepAliveWithoutCalls = true;
    private Duration maxConnectionIdle = Duration.ZERO;
    private Duration maxConnectionAge = Duration.ZERO;
    private Duration maxConnectionAgeGrace = Duration.ofSeconds(30);
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private int maxConcurrentStreams = 10_000;
    private int maxInboundMetadataSize = 8 * 1024;
    private int maxRstFramesPerWindow = 200_000;
    private Duration rstWindow = Duration.ofSeconds(10);
    private int maxControlFramesPerWindow = 100;
    private Duration controlFrameWindow = Duration.ofSeconds(10);
    private Duration abuseBan = Duration.ZERO;
    private Duration streamIdleTimeout = Duration.ZERO;
    private String compression = "identity";

    private Builder() {}

    /**
     * How long a connection may be quiet (nothing read from the client) before the server pings the client, to
     * find dead peers and keep NAT mappings. Default 60 s; at least 10 s, because grpc-java silently raises
     * shorter server keepalive times to 10 s.
     */
    public Builder keepAliveTime(Duration time) {
      if (time == null || time.compareTo(MIN_KEEPALIVE_TIME) < 0) {
        throw new IllegalArgumentException("keepAliveTime: " + time
            + " (expected: at least 10s: grpc-java raises lower values to 10s)");
      }
      this.keepAliveTime = time;
      return this;
    }

    /**
     * How long to wait for a ping's answer. Then every stream of the connection ends with UNAVAILABLE
     * (handlers see the call cancelled, subscriptions leave the broker) and the connection gets GOAWAY; it is
     * closed as soon as that is written, and at the latest about two timeouts later for a peer that reads
     * nothing. Default 20 s; at least 1 s.
     */
    public Builder keepAliveTimeout(Duration timeout) {
      this.keepAliveTimeout = atLeast("keepAliveTimeout", timeout, Duration.ofSeconds(1));
      return this;
    }

    /**
     * The shortest interval between client pings the server accepts; a client pinging more often gets GOAWAY
     * {@code ENHANCE_YOUR_CALM "too_many_pings"} after a few strikes. Must not exceed the clients' keepalive
     * time: StreamKit's client pings every 60 s by default and grpc-java and grpc-go clients never ping more
     * often than every 10 s, so the default, 5 s, accepts every well-behaved client with margin.
     */
    public Builder permitKeepAliveTime(Duration time) {
      this.permitKeepAliveTime = atLeast("permitKeepAliveTime", time, Duration.ZERO);
      return this;
    }

    /** Whether clients may ping while they have no open call. Default true, so idle channels stay warm. */
    public Builder permitKeepAliveWithoutCalls(boolean permit) {
      this.permitKeepAliveWithoutCalls = permit;
      return this;
    }

    /** A connection without open calls for this long gets GOAWAY. Default 0 (off). */
    public Builder maxConnectionIdle(Duration idle) {
      this.maxConnectionIdle = atLeast("maxConnectionIdle", idle, Duration.ZERO);
      return this;
    }

    /**
     * A connection older than this gets GOAWAY (with jitter), so clients reconnect and a load balancer can
     * spread them again; its open streams may go on for {@link #maxConnectionAgeGrace}. Default 0 (off).
     */
    public Builder maxConnectionAge(Duration age) {
      this.maxConnectionAge = atLeast("maxConnectionAge", age, Duration.ZERO);
      return this;
    }

    /**
     * After max connection age, how long open streams may go on before the connection is closed (they end
     * UNAVAILABLE; resuming subscriptions reconnect and resume). Default 30 s.
     */
    public Builder maxConnectionAgeGrace(Duration grace) {
      this.maxConnectionAgeGrace = atLeast("maxConnectionAgeGrace", grace, Duration.ZERO);
      return this;
    }

    /**
     * How long a new connection may take to complete its TLS and HTTP/2 handshake. Default 10 s (grpc-java's
     * own default, 120 s, lets idle sockets hold server resources for two minutes); at least 100 ms.
     */
    public Builder handshakeTimeout(Duration timeout) {
      this.handshakeTimeout = atLeast("handshakeTimeout", timeout, Duration.ofMillis(100));
      return this;
    }

    /**
     * Streams one connection may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). Default 10,000:
     * high enough for thousands of subscriptions over a few connections, low enough to bound one client.
     */
    public Builder maxConcurrentStreams(int streams) {
      if (streams <= 0) {
        throw new IllegalArgumentException("maxConcurrentStreams: " + streams + " (expected: > 0)");
      }
      this.maxConcurrentStreams = streams;
      return this;
    }

    /** Largest inbound header block (metadata) accepted, in bytes. Default 8 KiB. */
    public Builder maxInboundMetadataSize(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxInboundMetadataSize: " + bytes + " (expected: >= 1024 bytes)");
      }
      this.maxInboundMetadataSize = bytes;
      return this;
    }

    /**
     * HTTP/2 rapid-reset protection: a connection that sends more RST_STREAM frames than this within
     * {@link #rstWindow} gets GOAWAY {@code ENHANCE_YOUR_CALM}. Every RST counts, ordinary cancels included.
     * Default 200,000 per 10 s window: 100,000 ordinary open/cancel cycles can never trip it, however fast
     * (each needs a round trip, so a connection runs far fewer per window; docs/OPERATIONS.md has the figure),
     * while a flood of resets, which needs none, is cut off within a second. 0 turns it off.
     */
    public Builder maxRstFramesPerWindow(int frames) {
      if (frames < 0) {
        throw new IllegalArgumentException("maxRstFramesPerWindow: " + frames + " (expected: >= 0; 0 = off)");
      }
      this.maxRstFramesPerWindow = frames;
      return this;
    }

    /** The window of {@link #maxRstFramesPerWindow}, whole seconds. Default 10 s. */
    public Builder rstWindow(Duration window) {
      atLeast("rstWindow", window, Duration.ofSeconds(1));
      if (window.toMillis() % 1000 != 0) {
        throw new IllegalArgumentException("rstWindow: " + window + " (expected: whole seconds)");
      }
      this.rstWindow = window;
      return this;
    }

    /**
     * SETTINGS-flood protection: a connection that sends more SETTINGS, PRIORITY and unknown-type frames than
     * this within {@link #controlFrameWindow} gets GOAWAY {@code ENHANCE_YOUR_CALM} naming the limit. Each such
     * frame costs the server work (a SETTINGS frame must be applied and acknowledged) and nothing else bounds
     * them: grpc-java limits pings and resets, and Netty only the control frames the client leaves unanswered,
     * which a flooder that reads its acknowledgements never reaches. A gRPC client sends one SETTINGS frame at
     * start and a few more when it grows its flow-control window, and no PRIORITY frame, so the default, 100 per
     * 10 s, leaves every well-behaved client a wide margin. 0 turns it off.
     */
    public Builder maxControlFramesPerWindow(int frames) {
      if (frames < 0) {
        throw new IllegalArgumentException("maxControlFramesPerWindow: " + frames + " (expected: >= 0; 0 = off)");
      }
      this.maxControlFramesPerWindow = frames;
      return this;
    }

    /** The window of {@link #maxControlFramesPerWindow}. Default 10 s; at least 1 s. */
    public Builder controlFrameWindow(Duration window) {
      this.controlFrameWindow = atLeast("controlFrameWindow", window, Duration.ofSeconds(1));
      return this;
    }

    /**
     * After the server cut a connection off for abuse (GOAWAY with an error code other than NO_ERROR and
     * INTERNAL_ERROR: too many pings, resets or control frames, an endless header block, a protocol violation),
     * refuse new connections from the same IP address for this long; each refused connection is closed as it is
     * accepted, before any TLS or HTTP/2 work, on the acceptor thread. Without it a flooder that reconnects after
     * every GOAWAY makes each event loop pay for a handshake and a cut-off, again and again, and the latency of
     * the clients sharing those event loops rises several-fold. Default 0 (off): behind a TCP load balancer or a
     * NAT gateway many clients share one address, and one offender would lock them all out. Turn it on (for
     * example 10 s) where clients connect directly.
     */
    public Builder abuseBan(Duration ban) {
      this.abuseBan = atLeast("abuseBan", ban, Duration.ZERO);
      return this;
    }

    /**
     * A Chat or Greeter stream with no message in either direction for this long ends with DEADLINE_EXCEEDED
     * (the status names this option). Subscriptions are exempt: a quiet topic is not a dead subscriber, and
     * keepalive finds dead peers. Default 0 (off).
     */
    public Builder streamIdleTimeout(Duration idle) {
      this.streamIdleTimeout = atLeast("streamIdleTimeout", idle, Duration.ZERO);
      return this;
    }

    /**
     * Compression of response messages for clients that accept it: {@code gzip} or {@code identity} (none).
     * Requests are decompressed whatever this says. Default identity: small messages gain nothing from gzip
     * and cost CPU; clients can still ask per call.
     */
    public Builder compression(String encoding) {
      if (!"gzip".equals(encoding) && !"identity".equals(encoding)) {
        throw new IllegalArgumentException("compression: '" + encoding + "' (expected: gzip or identity)");
      }
      this.compression = encoding;
      return this;
    }

    public ConnectionSettings build() {
      return new ConnectionSettings(this);
    }

    private static Duration atLeast(String field, Duration value, Duration min) {
      if (value == null || value.compareTo(min) < 0) {
        throw new IllegalArgumentException(field + ": " + value + " (expected: a duration >= " + min + ")");
      }
      return value;
    }
  }
}
