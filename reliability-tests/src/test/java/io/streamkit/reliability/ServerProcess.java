package io.streamkit.reliability;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The packaged server jar run as a real process on 127.0.0.1, for tests that kill it (SIGKILL) or stop it
 * (SIGTERM) and start it again on the same port. Its output goes to a file under {@code target/}. A copy of
 * integration-tests' ServerProcess, so that module stays untouched.
 */
final class ServerProcess implements AutoCloseable {
  private final int port;
  private final List<String> jvmOptions;
  private final List<String> extraArgs;
  private final Path log;
  private Process process;

  private ServerProcess(int port, List<String> jvmOptions, List<String> extraArgs) throws IOException {
    this.port = port;
    this.jvmOptions = jvmOptions;
    this.extraArgs = extraArgs;
    Path dir = Path.of("target", "server-processes");
    Files.createDirectories(dir);
    this.log = dir.resolve("server-" + port + "-" + System.nanoTime() + ".log");
  }

  /** Starts the server jar on a free port and waits until it listens. */
  static ServerProcess start(String... extraArgs) throws Exception {
    return start(List.of(), extraArgs);
  }

  /** The same, with options for the server's JVM (after {@code -Xmx256m}, before {@code -jar}). */
  static ServerProcess start(List<String> jvmOptions, String... extraArgs) throws Exception {
    ServerProcess p = new ServerProcess(freePort(), List.copyOf(jvmOptions), List.of(extraArgs));
    p.startAgain();
    return p;
  }

  int port() {
    return port;
  }

  /** Starts (again) on the same port and waits until the log says it listens. */
  void startAgain() throws Exception {
    String jar = System.getProperty("streamkit.server.jar", "../server/target/streamkit-server.jar");
    if (!Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException("server jar not found at " + jar + "; run ./mvnw -B verify from the top");
    }
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
    cmd.addAll(jvmOptions);
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
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGTERM: the server drains and exits; returns its exit code. */
  int stop(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("server did not exit within " + timeout);
    }
    return process.exitValue();
  }

  String output() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      kill();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
