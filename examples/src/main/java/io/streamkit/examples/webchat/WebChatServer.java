package io.streamkit.examples.webchat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.streamkit.server.HttpSettings;
import io.streamkit.server.StreamKitServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A browser chat room: a StreamKit server with its HTTP port open, and the web application that serves the chat
 * page, on a port of its own as a real application would. The page, loaded from the application's origin, calls
 * StreamKit's origin (allowed with CORS): it receives the room's messages as Server-Sent Events
 * ({@code GET /v1/events?topic=chat.<room>}) and sends each line with {@code PublishEvent} over Connect JSON. Open it
 * in two tabs and they chat. No Java code handles a message: the topic is the room.
 *
 * <p>The caller owns both servers: {@link #start()}, then {@link #close()} (idempotent). Thread-safe.
 */
public final class WebChatServer implements AutoCloseable {
  private static final String PAGE = "io/streamkit/examples/webchat/chat.html";

  private final StreamKitServer streamKit;
  private final HttpServer app;
  private final byte[] page;

  /**
   * @param appPort the chat page's port (0 for a free one)
   * @param httpPort StreamKit's HTTP port (0 for a free one); its gRPC port is picked freely
   */
  public WebChatServer(String host, int appPort, int httpPort) {
    try {
      this.app = HttpServer.create(new InetSocketAddress(host, appPort), 0);
      this.page = readPage();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve the chat page on " + host + ":" + appPort, e);
    }
    int boundApp = app.getAddress().getPort();
    this.streamKit = StreamKitServer.builder().settings(o -> o.host(host).port(0).http(HttpSettings.builder()
            .port(httpPort)
            // The page's origin, as the browser names it either way.
            .corsOrigins(List.of("http://localhost:" + boundApp, "http://127.0.0.1:" + boundApp))
            .build()))
        .build();
    app.createContext("/", this::servePage);
  }

  public WebChatServer start() {
    streamKit.start();
    app.start();
    return this;
  }

  /** The chat page's address. */
  public String pageUrl() {
    return "http://localhost:" + app.getAddress().getPort() + "/";
  }

  public StreamKitServer streamKit() {
    return streamKit;
  }

  /** The page, told where StreamKit's HTTP port is: the host the browser used, StreamKit's port. */
  private void servePage(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals("/")) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      String host = exchange.getRequestHeaders().getFirst("Host");
      String hostName = host == null ? "localhost" : host.replaceFirst(":\\d+$", "");
      byte[] body = new String(page, StandardCharsets.UTF_8)
          .replace("{{STREAMKIT_URL}}", "http://" + hostName + ":" + streamKit.httpPort())
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static byte[] readPage() throws IOException {
    try (InputStream in = WebChatServer.class.getClassLoader().getResourceAsStream(PAGE)) {
      if (in == null) {
        throw new IOException(PAGE + " is missing from the class path");
      }
      return in.readAllBytes();
    }
  }

  @Override
  public void close() {
    app.stop(0);
    streamKit.close();
  }

  /**
   * Runs the chat until Ctrl-C. Arguments: the page's port (default 8081) and StreamKit's HTTP port (default 8080).
   */
  public static void main(String[] args) throws InterruptedException {
    int appPort = args.length > 0 ? Integer.parseInt(args[0]) : 8081;
    int httpPort = args.length > 1 ? Integer.parseInt(args[1]) : 8080;
    WebChatServer chat = new WebChatServer("127.0.0.1", appPort, httpPort).start();
    Runtime.getRuntime().addShutdownHook(new Thread(chat::close, "web-chat-shutdown"));
    System.out.println("chat page at " + chat.pageUrl() + " (open it in two tabs); StreamKit's HTTP port is "
        + chat.streamKit.httpPort() + " (its console: http://localhost:" + chat.streamKit.httpPort() + "/); stop with"
        + " Ctrl-C");
    chat.streamKit.awaitTermination();
  }
}
