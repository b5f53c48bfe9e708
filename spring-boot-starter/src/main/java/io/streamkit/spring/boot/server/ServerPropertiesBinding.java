package io.streamkit.spring.boot.server;

import io.streamkit.server.ConnectionSettings;
import io.streamkit.server.ServerSettings;
import io.streamkit.server.StreamKitServer;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.server.broker.redis.RedisBroker;
import io.streamkit.server.security.BearerTokenAuthenticator;
import io.streamkit.server.security.ServerTls;
import io.streamkit.spring.boot.internal.PropertyErrors;
import java.util.function.Consumer;
import org.springframework.util.unit.DataSize;

/**
 * Turns {@link StreamKitServerProperties} into the server library's typed options, as the CLI's option classes do
 * for flags: each set property goes to its builder setter, and a value the setter rejects fails naming the
 * property. Stateless.
 */
final class ServerPropertiesBinding {
  static final String PREFIX = "streamkit.server.";

  private ServerPropertiesBinding() {}

  /** Listening address, limits, grace period, connection options, metrics port, TLS and the token file. */
  static void applyTo(StreamKitServerProperties p, StreamKitServer.Builder b) {
    b.settings(settings(p));
    set("metrics-port", p.metricsPort(), () -> b.metricsPort(p.metricsPort()));
    if (p.tlsCert() != null || p.tlsKey() != null || p.tlsClientCa() != null) {
      if (p.tlsCert() == null || p.tlsKey() == null) {
        throw new IllegalArgumentException(PREFIX + "tls-cert and " + PREFIX + "tls-key: not both set (expected: "
            + "both for TLS, also with tls-client-ca)");
      }
      ServerTls.Builder tls = ServerTls.builder();
      set("tls-cert", p.tlsCert(), () -> tls.certificateChain(p.tlsCert()));
      set("tls-key", p.tlsKey(), () -> tls.privateKey(p.tlsKey()));
      set("tls-client-ca", p.tlsClientCa(), () -> tls.clientCa(p.tlsClientCa()));
      set("tls-key", p.tlsKey(), () -> b.tls(tls.build()));
    }
    set("auth-tokens", p.authTokens(), () -> b.authenticator(BearerTokenAuthenticator.fromFile(p.authTokens())));
  }

  static ServerSettings settings(StreamKitServerProperties p) {
    ServerSettings.Builder s = ServerSettings.builder();
    set("host", p.host(), () -> s.host(p.host()));
    set("port", p.port(), () -> s.port(p.port()));
    set("max-inbound-message-size", p.maxInboundMessageSize(),
        () -> s.maxInboundMessageSize(intBytes(p.maxInboundMessageSize())));
    set("max-queued-bytes-per-stream", p.maxQueuedBytesPerStream(),
        () -> s.maxQueuedBytesPerStream(p.maxQueuedBytesPerStream().toBytes()));
    set("blocking-threads", p.blockingThreads(), () -> s.blockingThreads(p.blockingThreads()));
    set("shutdown-grace", p.shutdownGrace(), () -> s.shutdownGracePeriod(p.shutdownGrace()));
    s.connection(connection(p));
    return s.build();
  }

  private static ConnectionSettings connection(StreamKitServerProperties p) {
    ConnectionSettings.Builder c = ConnectionSettings.builder();
    set("keepalive-time", p.keepaliveTime(), () -> c.keepAliveTime(p.keepaliveTime()));
    set("keepalive-timeout", p.keepaliveTimeout(), () -> c.keepAliveTimeout(p.keepaliveTimeout()));
    set("permit-keepalive-time", p.permitKeepaliveTime(), () -> c.permitKeepAliveTime(p.permitKeepaliveTime()));
    set("permit-keepalive-without-calls", p.permitKeepaliveWithoutCalls(),
        () -> c.permitKeepAliveWithoutCalls(p.permitKeepaliveWithoutCalls()));
    set("max-connection-idle", p.maxConnectionIdle(), () -> c.maxConnectionIdle(p.maxConnectionIdle()));
    set("max-connection-age", p.maxConnectionAge(), () -> c.maxConnectionAge(p.maxConnectionAge()));
    set("max-connection-age-grace", p.maxConnectionAgeGrace(),
        () -> c.maxConnectionAgeGrace(p.maxConnectionAgeGrace()));
    set("handshake-timeout", p.handshakeTimeout(), () -> c.handshakeTimeout(p.handshakeTimeout()));
    set("max-concurrent-streams", p.maxConcurrentStreams(), () -> c.maxConcurrentStreams(p.maxConcurrentStreams()));
    set("max-inbound-metadata-size", p.maxInboundMetadataSize(),
        () -> c.maxInboundMetadataSize(intBytes(p.maxInboundMetadataSize())));
    set("max-rst-frames-per-window", p.maxRstFramesPerWindow(),
        () -> c.maxRstFramesPerWindow(p.maxRstFramesPerWindow()));
    set("rst-window", p.rstWindow(), () -> c.rstWindow(p.rstWindow()));
    set("max-control-frames-per-window", p.maxControlFramesPerWindow(),
        () -> c.maxControlFramesPerWindow(p.maxControlFramesPerWindow()));
    set("control-frame-window", p.controlFrameWindow(), () -> c.controlFrameWindow(p.controlFrameWindow()));
    set("abuse-ban", p.abuseBan(), () -> c.abuseBan(p.abuseBan()));
    set("stream-idle-timeout", p.streamIdleTimeout(), () -> c.streamIdleTimeout(p.streamIdleTimeout()));
    set("compression", p.compression(), () -> c.compression(p.compression()));
    return c.build();
  }

  /** {@code memory} or {@code redis}; unset is {@code memory}. */
  static boolean redis(StreamKitServerProperties p) {
    String kind = p.broker() == null ? "memory" : p.broker();
    if (!kind.equals("memory") && !kind.equals("redis")) {
      throw new IllegalArgumentException(PREFIX + "broker: '" + kind + "' (expected: memory or redis)");
    }
    return kind.equals("redis");
  }

  /** The history and lag limits of the in-memory broker the server makes and owns. */
  static Consumer<InMemoryBroker.Builder> inMemoryBroker(StreamKitServerProperties p) {
    return l -> {
      set("history-max-events", p.historyMaxEvents(), () -> l.historyMaxEvents(p.historyMaxEvents()));
      set("history-max-age", p.historyMaxAge(), () -> l.historyMaxAge(p.historyMaxAge()));
      set("max-subscriber-lag", p.maxSubscriberLag(), () -> l.maxSubscriberLag(p.maxSubscriberLag()));
    };
  }

  static RedisBroker redisBroker(StreamKitServerProperties p) {
    RedisBroker.Builder r = RedisBroker.builder();
    set("redis-uri", p.redisUri(), () -> r.uri(p.redisUri()));
    set("redis-key-prefix", p.redisKeyPrefix(), () -> r.keyPrefix(p.redisKeyPrefix()));
    set("redis-timeout", p.redisTimeout(), () -> r.commandTimeout(p.redisTimeout()));
    set("history-max-events", p.historyMaxEvents(), () -> r.historyMaxEvents(p.historyMaxEvents()));
    set("history-max-age", p.historyMaxAge(), () -> r.historyMaxAge(p.historyMaxAge()));
    set("max-subscriber-lag", p.maxSubscriberLag(), () -> r.maxSubscriberLag(p.maxSubscriberLag()));
    return r.build();
  }

  private static void set(String option, Object value, Runnable apply) {
    PropertyErrors.apply(PREFIX + option, value, apply);
  }

  private static int intBytes(DataSize size) {
    if (size.toBytes() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("expected at most 2 GiB - 1 bytes");
    }
    return (int) size.toBytes();
  }
}
