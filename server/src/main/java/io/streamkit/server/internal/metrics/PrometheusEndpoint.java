package io.streamkit.server.internal.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /metrics} in the Prometheus text format (version 0.0.4), served by the JDK's HTTP server on its own
 * single daemon thread, never on a gRPC event loop: a scrape walks every meter and must not delay a stream.
 * Created and closed by {@link ServerMetrics}.
 */
final class PrometheusEndpoint implements AutoCloseable {
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer http;
  private final ExecutorService thread;

  PrometheusEndpoint(String host, int port, PrometheusMeterRegistry registry, Runnable beforeScrape)
      throws IOException {
    http = HttpServer.create(new InetSocketAddress(host, port), 0);
    thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "streamkit-metrics-http");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(thread);
    http.createContext("/", exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        if (!path.equals("/metrics")) {
          reply(exchange, 404, "text/plain; charset=utf-8",
              "not found: " + path + " (metrics are at GET /metrics)\n");
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          reply(exchange, 405, "text/plain; charset=utf-8", "method " + method + " not allowed (expected: GET)\n");
        } else {
          beforeScrape.run();
          ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
          registry.scrape(body, CONTENT_TYPE);
          reply(exchange, 200, CONTENT_TYPE, body.toByteArray(), method.equals("HEAD"));
        }
      }
    });
    http.start();
  }

  int port() {
    return http.getAddress().getPort();
  }

  private static void reply(HttpExchange exchange, int code, String type, String body) throws IOException {
    reply(exchange, code, type, body.getBytes(StandardCharsets.UTF_8), false);
  }

  private static void reply(HttpExchange exchange, int code, String type, byte[] body, boolean headOnly)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(code, headOnly ? -1 : body.length);
    if (!headOnly) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    http.stop(0);
    thread.shutdownNow();
  }
}
