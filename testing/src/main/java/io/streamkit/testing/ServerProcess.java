package io.streamkit.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The packaged server jar run as a real process on 127.0.0.1, for tests that kill it (SIGKILL) or stop it
 * (SIGTERM) and start it again on the same port. Its output goes to a file under {@code target/}.
 *
 * <p>The jar is {@code streamkit.server.jar} (a system property), else {@code ../server-app/target/streamkit-server.jar}
 * relative to the module that runs the test. Thread-compatible: one test drives it; close it (idempotent) so that
 * no process outlives the test.
 */
public final class ServerProcess implements AutoCloseable {
  private final int port;
  private final List<String> jvmArgs;
  private final List<String> extraArgs;
  private final Path log;
  private Process process;

  private ServerProcess(int port, List<String> jvmArgs, List<String> extraArgs) throws IOException {
    this.port = port;
    this.jvmArgs = jvmArgs;
    this.extraArgs = extraArgs;
    Path dir = Path.of("target", "server-processes");
    Files.createDirectories(dir);
    this.log = dir.resolve("server-" + port + "-" + System.nanoTime() + ".log");
  }

  /** Starts the server jar on a free port and waits until it listens. */
  public static ServerProcess start(String... extraArgs) throws Exception {
    return start(List.of(), extraArgs);
  }

  /** Starts the server jar with JVM options (before {@code -jar}) and server options. */
  public static ServerProcess start(List<String> jvmArgs, String... extraArgs) throws Exception {
    ServerProcess p = new ServerProcess(freePort(), jvmArgs, List.of(extraArgs));
    p.startAgain();
    return p;
  }

  public int port() {
    return port;
  }

  /** How a run of the jar that was expected to end ended: its exit code and everything it printed. */
  public record Exit(int code, String output) {}

  /**
   * Runs the server jar with exactly {@code args} (no {@code --host} or {@code --port} added) until it exits, for
   * start-ups that must fail or commands that end ({@code --help}); fails if it runs longer than {@code timeout}.
   */
  public static Exit runUntilExit(Duration timeout, String... args) throws Exception {
    return runUntilExit(java.util.Map.of(), timeout, args);
  }

  /** {@link #runUntilExit(Duration, String...)} with {@code env} added to the process's environment. */
  public static Exit runUntilExit(java.util.Map<String, String> env, Duration timeout, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar()));
    cmd.addAll(List.of(args));
    Path dir = Path.of("target", "server-processes");
    Files.createDirectories(dir);
    Path out = dir.resolve("run-" + System.nanoTime() + ".log");
    ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    builder.environment().putAll(env);
    Process p = builder.start();
    if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("server did not exit within " + timeout + ":\n" + Files.readString(out));
    }
    return new Exit(p.exitValue(), Files.readString(out));
  }

  private static String jar() {
    String jar = System.getProperty("streamkit.server.jar", "../server-app/target/streamkit-server.jar");
    if (!Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException("server jar not found at " + jar + "; run ./mvnw -B verify from the top");
    }
    return jar;
  }

  /** Starts (again) on the same port and waits until the log says it listens. */
  public void startAgain() throws Exception {
    String jar = jar();
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-jar", jar, "--host", "127.0.0.1", "--port", Integer.toString(port)));
    cmd.addAll(extraArgs);
    // The log is appended to across restarts: only what this start writes can say that it listens.
    int logStart = Files.exists(log) ? Files.readString(log).length() : 0;
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("server exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      if (Files.readString(log).substring(logStart).contains("listening on [/127.0.0.1:" + port + "]")) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("server did not start within 30 s:\n" + Files.readString(log));
  }

  /** SIGKILL: no shutdown hook, no goodbye to the clients. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new IllegalStateException("pid " + process.pid() + " still running 30 s after SIGKILL");
    }
  }

  /** SIGTERM: the server drains and exits; returns its exit code. */
  public int stop(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("server did not exit within " + timeout);
    }
    return process.exitValue();
  }

  /**
   * SIGINT (what Ctrl-C sends), through {@code kill -INT}: the server drains as on SIGTERM. Returns its exit code;
   * fails if it has not exited within {@code timeout}.
   */
  public int interrupt(Duration timeout) throws Exception {
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -INT " + process.pid() + " failed");
    }
    if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("server did not exit within " + timeout + " of SIGINT");
    }
    return process.exitValue();
  }

  /** SIGTERM without waiting: the test watches the drain while it runs, then {@link #awaitExit}. */
  public void terminate() {
    process.destroy();
  }

  /** Waits for the process to exit and returns its code; fails (and kills it) after {@code timeout}. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("server did not exit within " + timeout);
    }
    return process.exitValue();
  }

  /** Whether the process is running. */
  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  public String output() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      kill();
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
