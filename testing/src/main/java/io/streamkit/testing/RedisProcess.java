package io.streamkit.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code redis-server} for tests: a free port on 127.0.0.1, its own data folder, no RDB saves unless asked,
 * AOF on or off. It can be killed with SIGKILL and started again on the same port and folder. Close it (idempotent)
 * to stop it; nothing is left running.
 *
 * <p>Thread-compatible: one test drives it.
 *
 * <p>{@code redis-server} is found through {@link RequiredTool}: when it is not installed the test is skipped with
 * one loud line, except under CI ({@code CI=true}), where it fails: CI must run these tests.
 */
public final class RedisProcess implements AutoCloseable {
  private final int port;
  private final Path dir;
  private boolean appendOnly;
  private Process process;

  private RedisProcess(int port, Path dir, boolean appendOnly) {
    this.port = port;
    this.dir = dir;
    this.appendOnly = appendOnly;
  }

  /** Starts redis-server with {@code appendonly yes|no} on a free port and waits until it answers PING. */
  public static RedisProcess start(boolean appendOnly) throws Exception {
    String binary = binary();
    Path dir = Files.createTempDirectory("streamkit-redis-");
    RedisProcess p = new RedisProcess(freePort(), dir, appendOnly);
    p.startAgain(binary);
    return p;
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts again on the same port and data folder (after {@link #kill()}): loads what it persisted there. */
  public void startAgain() throws Exception {
    startAgain(binary());
  }

  private void startAgain(String binary) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(binary,
        "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", appendOnly ? "yes" : "no", "--dir", dir.toString(), "--daemonize", "no",
        "--protected-mode", "no", "--logfile", dir.resolve("redis.log").toString()));
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    ProcessHandle handle = process.toHandle();
    // If the test JVM dies before close(), the server must not outlive it.
    Runtime.getRuntime().addShutdownHook(new Thread(handle::destroyForcibly));
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server exited with " + process.exitValue() + ": " + log());
      }
      try {
        if (command("PING").contains("PONG")) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet, or still loading its data: try again shortly
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("redis-server did not answer PING within 20 s: " + log());
  }

  /** Starts again on the same port with {@code appendonly} set as given, after deleting its data when asked. */
  public void startAgain(boolean appendOnly, boolean wipe) throws Exception {
    this.appendOnly = appendOnly;
    if (wipe) {
      try (var files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (!f.getFileName().toString().equals("redis.log")) {
            try (var tree = Files.walk(f)) {
              tree.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
          }
        }
      }
    }
    startAgain(binary());
  }

  /** SIGKILL: Redis gets no chance to save anything beyond what it already wrote. */
  public void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new IllegalStateException("pid " + process.pid() + " still running 30 s after SIGKILL");
      }
    }
  }

  /** Sends one command (inline protocol) and returns the raw reply. */
  public String command(String... words) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      StringBuilder line = new StringBuilder("*" + words.length + "\r\n");
      for (String w : words) {
        line.append('$').append(w.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(w).append("\r\n");
      }
      out.write(line.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      int n = in.read(buf);
      if (n < 0) {
        throw new IOException("redis closed the connection");
      }
      String reply = new String(buf, 0, n, StandardCharsets.UTF_8);
      if (reply.startsWith("-LOADING")) {
        throw new IOException("redis is loading");
      }
      return reply;
    }
  }

  /** Writes an RDB snapshot now (SAVE) into the data folder; a later start without AOF loads it. */
  public void snapshot() throws IOException {
    String reply = command("SAVE");
    if (!reply.startsWith("+OK")) {
      throw new IllegalStateException("SAVE failed: " + reply);
    }
  }

  private String log() {
    try {
      Path log = dir.resolve("redis.log");
      return Files.exists(log) ? Files.readString(log) : "(no log)";
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws Exception {
    kill();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  /** The redis-server binary; skips the test when it is missing, fails it under CI. */
  public static String binary() {
    return RequiredTool.find("redis-server", "apt-get install -y redis-server", "/usr/bin/redis-server",
        "/usr/local/bin/redis-server").toString();
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
