package io.streamkit.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The redis-server of {@code compare}'s Redis cases: Debian's {@code redis-server} on a free loopback port with the
 * append-only file on and fsynced every second ({@code --appendonly yes --appendfsync everysec}, the setting the
 * targets are stated for), no RDB snapshots, its files in a folder of the run's output. Started and stopped by
 * {@code compare}; thread-compatible.
 */
final class LocalRedis implements AutoCloseable {
  private final Process process;
  private final int port;

  private LocalRedis(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts it and waits until it answers PING; fails naming what to install when redis-server is missing. */
  static LocalRedis start(Path dir) throws IOException, InterruptedException {
    return start(dir, List.of());
  }

  /** The same with {@code extraArgs} added to redis-server's command line (e.g. cluster mode). */
  static LocalRedis start(Path dir, List<String> extraArgs) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> cmd = new java.util.ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind",
        "127.0.0.1", "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--dir", dir.toString()));
    cmd.addAll(extraArgs);
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile())
          .start();
    } catch (IOException e) {
      throw new IOException("redis-server not found: the Redis cases need it (Debian: apt-get install -y "
          + "redis-server)", e);
    }
    LocalRedis redis = new LocalRedis(p, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!redis.pong()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        redis.close();
        throw new IOException("redis-server did not answer PING on port " + port + "; see " + dir.resolve("redis.log"));
      }
      Thread.sleep(50);
    }
    return redis;
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  int port() {
    return port;
  }

  private boolean pong() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] reply = in.readNBytes(7);
      return new String(reply, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException notYet) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
