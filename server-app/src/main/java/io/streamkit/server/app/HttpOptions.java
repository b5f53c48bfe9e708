package io.streamkit.server.app;

import io.streamkit.server.HttpSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The CLI options of {@link HttpSettings}: the HTTP port for browsers (Connect, gRPC-Web, Server-Sent Events and the
 * web console; docs/WEB.md). A picocli mixin of {@link ServerMain}.
 */
final class HttpOptions {
  @Option(names = "--http-port", defaultValue = "-1",
      description = "Port of the HTTP listener for browsers (Connect, gRPC-Web, Server-Sent Events, the console at /), on the same --host, TLS and auth as gRPC; -1 turns it off, 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--http-cors-origins", defaultValue = "",
      description = "Comma-separated origins (scheme://host[:port]) whose pages may call the HTTP port, or * for any; empty for none (default: none).")
  String corsOrigins;

  @Option(names = "--http-console", defaultValue = "true", arity = "1",
      description = "Serve the web console at GET / and its status at GET /v1/topics on the HTTP port (default: ${DEFAULT-VALUE}).")
  boolean console;

  @Option(names = "--http-sse-heartbeat", defaultValue = "15s", converter = DurationConverter.class,
      description = "Interval of the comment lines that keep a quiet Server-Sent Events stream open through proxies; at least 1s (default: ${DEFAULT-VALUE}).")
  Duration sseHeartbeat;

  @Option(names = "--http-idle-timeout", defaultValue = "60s", converter = DurationConverter.class,
      description = "Close an HTTP connection with no request in progress for this long; off or a duration (default: ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Option(names = "--http-max-connections", defaultValue = "10000",
      description = "HTTP connections open at once; further ones are closed as they are accepted (default: ${DEFAULT-VALUE}).")
  int maxConnections;

  HttpSettings settings() {
    HttpSettings.Builder b = HttpSettings.builder();
    ServerMain.option("--http-port", httpPort, () -> b.port(httpPort));
    ServerMain.option("--http-cors-origins", corsOrigins, () -> b.corsOrigins(origins(corsOrigins)));
    b.console(console);
    ServerMain.option("--http-sse-heartbeat", sseHeartbeat, () -> b.sseHeartbeat(sseHeartbeat));
    ServerMain.option("--http-idle-timeout", idleTimeout, () -> b.idleTimeout(idleTimeout));
    ServerMain.option("--http-max-connections", maxConnections, () -> b.maxConnections(maxConnections));
    return b.build();
  }

  private static List<String> origins(String list) {
    List<String> out = new ArrayList<>();
    for (String origin : list.split(",")) {
      if (!origin.isBlank()) {
        out.add(origin.strip());
      }
    }
    return out;
  }
}
