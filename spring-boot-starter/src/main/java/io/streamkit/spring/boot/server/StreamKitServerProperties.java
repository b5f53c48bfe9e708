package io.streamkit.spring.boot.server;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code streamkit.server.*} properties of the embedded server. Each has the name of the server's command-line
 * option ({@code --keepalive-time} is {@code streamkit.server.keepalive-time}; docs/OPERATIONS.md lists them with
 * their meaning and default). A property left unset keeps the server's default, so defaults live in one place.
 * Values use Spring Boot's syntax: durations {@code 500ms}, {@code 5s}, {@code 2m} or ISO-8601 ({@code 0} where the
 * command line says {@code off}), sizes {@code 4MB} (Boot's {@code MB} is 1024 * 1024 bytes, the CLI's
 * {@code MiB}).
 *
 * <p>Not here: {@code --config} (Spring reads the properties) and {@code --plugins} (handlers are beans; a jar on
 * the class path can declare them as beans itself).
 *
 * <p>Immutable; bound once at start-up.
 *
 * @param enabled start an embedded server (default false)
 * @param port TCP port to listen on; 0 picks a free one, published as local.streamkit.server.port
 * @param host address to bind
 * @param maxInboundMessageSize largest inbound message; larger ones fail with RESOURCE_EXHAUSTED
 * @param maxQueuedBytesPerStream bound of each stream's outbound buffer
 * @param blockingThreads threads for @Blocking handlers
 * @param shutdownGrace when the context closes, how long open streams may go on before they end with UNAVAILABLE;
 *     keep it below spring.lifecycle.timeout-per-shutdown-phase
 * @param keepaliveTime ping a client after this long without traffic; at least 10s
 * @param keepaliveTimeout end a connection whose ping gets no answer within this
 * @param permitKeepaliveTime shortest client ping interval accepted
 * @param permitKeepaliveWithoutCalls accept client pings on connections with no open call
 * @param maxConnectionIdle GOAWAY a connection with no open call for this long; 0 is off
 * @param maxConnectionAge GOAWAY a connection older than this; 0 is off
 * @param maxConnectionAgeGrace after max-connection-age, how long open streams may go on
 * @param handshakeTimeout time a new connection has to complete its TLS/HTTP/2 handshake
 * @param maxConcurrentStreams streams one connection may have open at once
 * @param maxInboundMetadataSize largest request header block
 * @param maxRstFramesPerWindow HTTP/2 rapid-reset protection: RST_STREAM frames per rst-window; 0 is off
 * @param rstWindow the window of max-rst-frames-per-window, whole seconds
 * @param maxControlFramesPerWindow SETTINGS-flood protection: control frames per control-frame-window; 0 is off
 * @param controlFrameWindow the window of max-control-frames-per-window
 * @param abuseBan refuse new connections from an abusive client's address for this long; 0 is off
 * @param streamIdleTimeout end a Chat stream with no message in either direction for this long; 0 is off
 * @param compression response compression for clients that accept it: identity or gzip
 * @param metricsPort port of a Prometheus endpoint of the server's own; -1 (default) for none. The meters go to the
 *     application's MeterRegistry either way
 * @param tlsCert PEM certificate chain of the server; with tls-key, serves TLS only
 * @param tlsKey PEM private key of tls-cert, unencrypted PKCS#8
 * @param tlsClientCa PEM CA certificates of client certificates; requires one on every connection (mutual TLS)
 * @param authTokens file of 'token principal-name' lines; calls without a listed bearer token fail UNAUTHENTICATED
 * @param broker where topics live: memory (default) or redis; a Broker bean of the application replaces both
 * @param redisUri the Redis of broker=redis
 * @param redisKeyPrefix with broker=redis: prefix of every key written
 * @param redisTimeout with broker=redis: how long a publish waits for Redis; also the connect timeout
 * @param historyMaxEvents events retained per topic for replay
 * @param historyMaxAge retained events older than this are dropped
 * @param maxSubscriberLag events a subscriber may fall behind before it is ended with RESOURCE_EXHAUSTED
 */
@ConfigurationProperties("streamkit.server")
public record StreamKitServerProperties(
    boolean enabled,
    Integer port,
    String host,
    DataSize maxInboundMessageSize,
    DataSize maxQueuedBytesPerStream,
    Integer blockingThreads,
    Duration shutdownGrace,
    Duration keepaliveTime,
    Duration keepaliveTimeout,
    Duration permitKeepaliveTime,
    Boolean permitKeepaliveWithoutCalls,
    Duration maxConnectionIdle,
    Duration maxConnectionAge,
    Duration maxConnectionAgeGrace,
    Duration handshakeTimeout,
    Integer maxConcurrentStreams,
    DataSize maxInboundMetadataSize,
    Integer maxRstFramesPerWindow,
    Duration rstWindow,
    Integer maxControlFramesPerWindow,
    Duration controlFrameWindow,
    Duration abuseBan,
    Duration streamIdleTimeout,
    String compression,
    Integer metricsPort,
    Path tlsCert,
    Path tlsKey,
    Path tlsClientCa,
    Path authTokens,
    String broker,
    String redisUri,
    String redisKeyPrefix,
    Duration redisTimeout,
    Integer historyMaxEvents,
    Duration historyMaxAge,
    Long maxSubscriberLag) {

  /** Whether any option of the broker's history and lag limits is set. */
  boolean limitsSet() {
    return historyMaxEvents != null || historyMaxAge != null || maxSubscriberLag != null;
  }
}
