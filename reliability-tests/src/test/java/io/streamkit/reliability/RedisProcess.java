package io.streamkit.reliability;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * A real {@code redis-server} for the chaos tests: a free port on 127.0.0.1, its own data folder, no RDB saves,
 * {@code appendonly} as asked. A trimmed copy of integration-tests' RedisProcess (test classes are not shared
 * between modules, and that module stays untouched). Close it (idempotent) to stop it and delete its folder.
 *
 * <p>When {@code redis-server} is not installed the test is skipped, except under CI ({@code CI=true}), where it
 * fails: CI must run these tests.
 */
final class RedisProcess implements AutoCloseable {
  private final int port;
  private final Path dir;
  private final Process process;

  private RedisProcess(int port, Path dir, Process process) {
    this.port = port;
    this.dir = dir;
    this.process = process;
  }

  /** Starts redis-server with {@code appendonly yes|no} on a free port and waits until it answers PING. */
  static RedisProcess start(boolean appendOnly) throws Exception {
    String binary = binary();
    int port = ServerProcess.freePort();
    Path dir = Files.createTempDirectory("streamkit-redis-");
    Process process = new ProcessBuilder(List.of(binary,
        "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", appendOnly ? "yes" : "no", "--dir", dir.toString(), "--daemonize", "no",
        "--protected-mode", "no", "--logfile", dir.resolve("redis.log").toString()))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    // If the test JVM dies before close(), the server must not outlive it.
    ProcessHandle handle = process.toHandle();
    Runtime.getRuntime().addShutdownHook(new Thread(handle::destroyForcibly));
    RedisProcess redis = new RedisProcess(port, dir, process);
    redis.awaitPong();
    return redis;
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  private void awaitPong() throws Exception {
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
        // not listening yet: try again shortly
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("redis-server did not answer PING within 20 s: " + log());
  }

  /** Sends one command and returns the raw reply (RESP), e.g. {@code command("HGET", key, "epoch")}. */
  String command(String... words) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      StringBuilder request = new StringBuilder("*" + words.length + "\r\n");
      for (String w : words) {
        request.append('$').append(w.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(w).append("\r\n");
      }
      out.write(request.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      int n = in.read(buf);
      if (n < 0) {
        throw new IOException("redis closed the connection");
      }
      return new String(buf, 0, n, StandardCharsets.UTF_8);
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
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor();
    }
    if (Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** The redis-server binary; skips the test when it is missing, fails it under CI. */
  static String binary() {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path p = Path.of(d, "redis-server");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    for (String p : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    if ("true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(
          "redis-server is not installed, and CI must run the Redis tests: apt-get install -y redis-server");
    }
    assumeTrue(false, "redis-server is not installed (apt-get install -y redis-server); Redis tests skipped");
    return null;
  }
}
