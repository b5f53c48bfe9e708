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
 * AOF on or off; or requiring a password ({@link #startWithPassword}), or serving TLS as well
 * ({@link #startWithTls}). It can be killed with SIGKILL and started again on the same port and folder. Close it
 * (idempotent) to stop it; nothing is left running.
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
  /** {@code requirepass}, or null. */
  private String password;
  /** The TLS port, or 0 for none; with TLS the plain port stays open for the test's own commands. */
  private int tlsPort;
  private List<String> tlsArgs = List.of();

  private RedisProcess(int port, Path dir, boolean appendOnly) {
    this.port = port;
    this.dir = dir;
    this.appendOnly = appendOnly;
  }

  /**
   * Starts redis-server (no AOF) that requires {@code password} ({@code --requirepass}); {@link #uri()} then
   * carries it ({@code redis://:PASSWORD@127.0.0.1:PORT}), and {@link #command} authenticates first.
   */
  public static RedisProcess startWithPassword(String password) throws Exception {
    String binary = binary();
    RedisProcess p = new RedisProcess(freePort(), Files.createTempDirectory("streamkit-redis-"), false);
    p.password = password;
    p.startAgain(binary);
    return p;
  }

  /**
   * Starts redis-server (no AOF) that also serves TLS ({@code --tls-port}) with {@code certificate} (e.g.
   * {@link TestPki#server()}); clients need not present certificates. {@link #tlsUri()} is its
   * {@code rediss://} address; the plain port stays open for {@link #command}.
   */
  public static RedisProcess startWithTls(TestPki.Issued certificate, Path caCertificate) throws Exception {
    String binary = binary();
    RedisProcess p = new RedisProcess(freePort(), Files.createTempDirectory("streamkit-redis-"), false);
    p.tlsPort = freePort();
    p.tlsArgs = List.of("--tls-port", Integer.toString(p.tlsPort), "--tls-cert-file",
        certificate.certificate().toString(), "--tls-key-file", certificate.key().toString(),
        "--tls-ca-cert-file", caCertificate.toString(), "--tls-auth-clients", "no");
    p.startAgain(binary);
    return p;
  }

  /** {@code rediss://127.0.0.1:TLSPORT}; only for a process from {@link #startWithTls}. */
  public String tlsUri() {
    if (tlsPort == 0) {
      throw new IllegalStateException("this redis-server has no TLS port: start it with startWithTls");
    }
    return "rediss://" + (password == null ? "" : ":" + password + "@") + "127.0.0.1:" + tlsPort;
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

  /** {@code redis://127.0.0.1:PORT}, with {@code :PASSWORD@} when it requires one. */
  public String uri() {
    return "redis://" + (password == null ? "" : ":" + password + "@") + "127.0.0.1:" + port;
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
    if (password != null) {
      cmd.addAll(List.of("--requirepass", password));
    }
    cmd.addAll(tlsArgs);
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

  /** Sends one command (inline protocol) and returns the raw reply; authenticates first when it needs it. */
  public String command(String... words) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      if (password != null) {
        String auth = exchange(out, in, "AUTH", password);
        if (!auth.startsWith("+OK")) {
          throw new IOException("AUTH failed: " + auth.strip());
        }
      }
      String reply = exchange(out, in, words);
      if (reply.startsWith("-LOADING")) {
        throw new IOException("redis is loading");
      }
      return reply;
    }
  }

  private static String exchange(OutputStream out, InputStream in, String... words) throws IOException {
    StringBuilder line = new StringBuilder("*" + words.length + "\r\n");
    for (String w : words) {
      line.append('$').append(w.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(w).append("\r\n");
    }
    out.write(line.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
    byte[] buf = new byte[8192];
    int n = in.read(buf);
    if (n < 0) {
      throw new IOException("redis closed the connection");
    }
    return new String(buf, 0, n, StandardCharsets.UTF_8);
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
