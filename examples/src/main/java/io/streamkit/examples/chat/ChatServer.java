package io.streamkit.examples.chat;

import io.streamkit.server.StreamKitServer;

/**
 * A StreamKit server with the {@link RoomHandler chat rooms} registered in code, next to the built-in routes.
 * Its {@link #main} runs one on port 9090 (or the port given) until the process is stopped; the chat demo
 * embeds one on an ephemeral port, and tests do the same through {@link #ChatServer(StreamKitServer.Builder)}.
 *
 * <p>The caller owns the server: {@link #start()} it, then {@link #close()} it (idempotent), which releases the
 * port and the server's threads. Thread-safe.
 */
public final class ChatServer implements AutoCloseable {
  private final StreamKitServer server;

  /** A chat server on {@code port} of every interface; 0 picks a free port. */
  public ChatServer(int port) {
    this(StreamKitServer.builder().settings(o -> o.port(port)));
  }

  /**
   * A chat server built from {@code builder} (port, host, limits) with a {@link RoomHandler} added to it. The
   * builder must not be used afterwards.
   */
  public ChatServer(StreamKitServer.Builder builder) {
    this.server = builder.handler(new RoomHandler()).build();
  }

  /**
   * Binds the port and starts serving.
   *
   * @throws java.io.UncheckedIOException if the port cannot be bound
   * @throws IllegalStateException if already started
   */
  public ChatServer start() {
    server.start();
    return this;
  }

  /** The bound port, once started. */
  public int port() {
    return server.port();
  }

  /** Stops the server: graceful, blocking for at most its shutdown grace period plus a few seconds. */
  @Override
  public void close() {
    server.close();
  }

  /**
   * Runs a chat server until the process is stopped (Ctrl-C). Argument: the port, default 9090. Talk through
   * it with {@code ChatDemo localhost:9090}.
   */
  public static void main(String[] args) throws InterruptedException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 9090;
    ChatServer chat = new ChatServer(port).start();
    Runtime.getRuntime().addShutdownHook(new Thread(chat::close, "chat-server-shutdown"));
    System.out.println("chat server listening on port " + chat.port() + "; stop it with Ctrl-C");
    chat.server.awaitTermination();
  }
}
