package io.streamkit.server.app;

import io.streamkit.server.ConnectionSettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The CLI options of {@link ConnectionSettings}: keepalive, connection limits, idle timeouts, compression. */
final class ConnectionOptions {
  @Option(names = "--keepalive-time", defaultValue = "60s", converter = DurationConverter.class,
      description = "Ping a client after this long without traffic, to find dead peers and keep NAT mappings; at least 10s (default: ${DEFAULT-VALUE}).")
  Duration keepAliveTime;

  @Option(names = "--keepalive-timeout", defaultValue = "20s", converter = DurationConverter.class,
      description = "When a ping gets no answer within this, end the connection's streams (UNAVAILABLE) and close it (default: ${DEFAULT-VALUE}).")
  Duration keepAliveTimeout;

  @Option(names = "--permit-keepalive-time", defaultValue = "5s", converter = DurationConverter.class,
      description = "Shortest client ping interval accepted; clients pinging more often get GOAWAY too_many_pings. Keep it <= the clients' keepalive time (default: ${DEFAULT-VALUE}).")
  Duration permitKeepAliveTime;

  @Option(names = "--permit-keepalive-without-calls", defaultValue = "true", arity = "1",
      description = "Accept client pings on connections with no open call (default: ${DEFAULT-VALUE}).")
  boolean permitKeepAliveWithoutCalls;

  @Option(names = "--max-connection-idle", defaultValue = "off", converter = DurationConverter.class,
      description = "GOAWAY a connection that had no open call for this long; off or a duration (default: ${DEFAULT-VALUE}).")
  Duration maxConnectionIdle;

  @Option(names = "--max-connection-age", defaultValue = "off", converter = DurationConverter.class,
      description = "GOAWAY a connection older than this so clients reconnect and load balancers can rebalance; off or a duration (default: ${DEFAULT-VALUE}).")
  Duration maxConnectionAge;

  @Option(names = "--max-connection-age-grace", defaultValue = "30s", converter = DurationConverter.class,
      description = "After --max-connection-age, how long open streams may go on before they end UNAVAILABLE (default: ${DEFAULT-VALUE}).")
  Duration maxConnectionAgeGrace;

  @Option(names = "--handshake-timeout", defaultValue = "10s", converter = DurationConverter.class,
      description = "Time a new connection has to complete its TLS/HTTP/2 handshake (default: ${DEFAULT-VALUE}).")
  Duration handshakeTimeout;

  @Option(names = "--max-concurrent-streams", defaultValue = "10000",
      description = "Streams one connection may have open at once (default: ${DEFAULT-VALUE}).")
  int maxConcurrentStreams;

  @Option(names = "--max-inbound-metadata-size", defaultValue = "8KiB", converter = ByteSizeConverter.class,
      description = "Largest request header block (default: ${DEFAULT-VALUE}).")
  long maxInboundMetadataSize;

  @Option(names = "--max-rst-frames-per-window", defaultValue = "200000",
      description = "HTTP/2 rapid-reset protection: RST_STREAM frames one connection may send per --rst-window before GOAWAY; 0 = off (default: ${DEFAULT-VALUE}).")
  int maxRstFramesPerWindow;

  @Option(names = "--rst-window", defaultValue = "10s", converter = DurationConverter.class,
      description = "The window of --max-rst-frames-per-window, whole seconds (default: ${DEFAULT-VALUE}).")
  Duration rstWindow;

  @Option(names = "--max-control-frames-per-window", defaultValue = "100",
      description = "SETTINGS-flood protection: SETTINGS, PRIORITY and unknown-type frames one connection may send per --control-frame-window before GOAWAY; 0 = off (default: ${DEFAULT-VALUE}).")
  int maxControlFramesPerWindow;

  @Option(names = "--control-frame-window", defaultValue = "10s", converter = DurationConverter.class,
      description = "The window of --max-control-frames-per-window (default: ${DEFAULT-VALUE}).")
  Duration controlFrameWindow;

  @Option(names = "--abuse-ban", defaultValue = "off", converter = DurationConverter.class,
      description = "After cutting a connection off for abuse (floods, protocol violations), refuse new connections from its IP address for this long; leave off behind a load balancer or NAT, where clients share addresses (default: ${DEFAULT-VALUE}).")
  Duration abuseBan;

  @Option(names = "--stream-idle-timeout", defaultValue = "off", converter = DurationConverter.class,
      description = "End a Chat stream with no message in either direction for this long (DEADLINE_EXCEEDED); off or a duration (default: ${DEFAULT-VALUE}).")
  Duration streamIdleTimeout;

  @Option(names = "--compression", defaultValue = "identity",
      description = "Response compression for clients that accept it: identity or gzip; a client sending gzip gets gzip back either way (default: ${DEFAULT-VALUE}).")
  String compression;

  ConnectionSettings settings() {
    ConnectionSettings.Builder b = ConnectionSettings.builder();
    ServerMain.option("--keepalive-time", keepAliveTime, () -> b.keepAliveTime(keepAliveTime));
    ServerMain.option("--keepalive-timeout", keepAliveTimeout, () -> b.keepAliveTimeout(keepAliveTimeout));
    ServerMain.option("--permit-keepalive-time", permitKeepAliveTime, () -> b.permitKeepAliveTime(permitKeepAliveTime));
    b.permitKeepAliveWithoutCalls(permitKeepAliveWithoutCalls);
    ServerMain.option("--max-connection-idle", maxConnectionIdle, () -> b.maxConnectionIdle(maxConnectionIdle));
    ServerMain.option("--max-connection-age", maxConnectionAge, () -> b.maxConnectionAge(maxConnectionAge));
    ServerMain.option("--max-connection-age-grace", maxConnectionAgeGrace,
        () -> b.maxConnectionAgeGrace(maxConnectionAgeGrace));
    ServerMain.option("--handshake-timeout", handshakeTimeout, () -> b.handshakeTimeout(handshakeTimeout));
    ServerMain.option("--max-concurrent-streams", maxConcurrentStreams, () -> b.maxConcurrentStreams(maxConcurrentStreams));
    ServerMain.option("--max-inbound-metadata-size", maxInboundMetadataSize, () -> {
      if (maxInboundMetadataSize > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("expected at most 2 GiB - 1 bytes");
      }
      b.maxInboundMetadataSize((int) maxInboundMetadataSize);
    });
    ServerMain.option("--max-rst-frames-per-window", maxRstFramesPerWindow,
        () -> b.maxRstFramesPerWindow(maxRstFramesPerWindow));
    ServerMain.option("--rst-window", rstWindow, () -> b.rstWindow(rstWindow));
    ServerMain.option("--max-control-frames-per-window", maxControlFramesPerWindow,
        () -> b.maxControlFramesPerWindow(maxControlFramesPerWindow));
    ServerMain.option("--control-frame-window", controlFrameWindow, () -> b.controlFrameWindow(controlFrameWindow));
    ServerMain.option("--abuse-ban", abuseBan, () -> b.abuseBan(abuseBan));
    ServerMain.option("--stream-idle-timeout", streamIdleTimeout, () -> b.streamIdleTimeout(streamIdleTimeout));
    ServerMain.option("--compression", compression, () -> b.compression(compression));
    return b.build();
  }
}
