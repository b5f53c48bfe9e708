package io.streamkit.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Node.js project of this repository ({@code interop/...}) run by a test: {@code npm ci} from its committed
 * package-lock.json when its node_modules is missing, then commands in its folder, each with a time limit and its
 * output in a log file. Skipped when node or npm is missing, failed under CI.
 *
 * <p>Thread-compatible: one test drives it.
 */
public final class NodeProject {
  private final Path dir;
  private final Path logs;
  private final Path node;
  private final Path npm;

  /** The output and exit code of one command; exit code -1 when it was killed at its time limit. */
  public record Result(int exitCode, String output) {}

  private NodeProject(Path dir, Path logs) {
    this.dir = dir;
    this.logs = logs;
    this.node = RequiredTool.find("node", "apt-get install -y nodejs npm (Node 20 or newer)", "/usr/bin/node",
        "/usr/local/bin/node");
    this.npm = RequiredTool.find("npm", "apt-get install -y npm", "/usr/bin/npm", "/usr/local/bin/npm");
  }

  /**
   * The project at {@code relative} (e.g. {@code interop/node}) under the checkout root: the nearest directory above
   * the working directory (or the server jar) that has it. Logs go to {@code target/<its name>/}.
   */
  public static NodeProject find(String relative) throws IOException {
    List<Path> starts = new ArrayList<>();
    starts.add(Path.of("").toAbsolutePath());
    String jar = System.getProperty("streamkit.server.jar");
    if (jar != null) {
      starts.add(Path.of(jar).toAbsolutePath());
    }
    for (Path start : starts) {
      for (Path d = start.normalize(); d != null; d = d.getParent()) {
        if (Files.isRegularFile(d.resolve(relative).resolve("package.json"))) {
          Path logs = Path.of("target", Path.of(relative).getFileName().toString()).toAbsolutePath();
          Files.createDirectories(logs);
          return new NodeProject(d.resolve(relative), logs);
        }
      }
    }
    throw new IllegalStateException(relative + "/package.json not found above " + starts);
  }

  public Path dir() {
    return dir;
  }

  /** Installs the locked dependencies, unless node_modules is there already; fails with npm's output. */
  public void install() throws IOException, InterruptedException {
    if (Files.isDirectory(dir.resolve("node_modules"))) {
      return;
    }
    Result ci = exec(List.of(npm.toString(), "ci", "--no-audit", "--no-fund"), "npm-ci.log", Duration.ofMinutes(5));
    if (ci.exitCode() != 0) {
      throw new AssertionError("npm ci in " + dir + " failed:\n" + ci.output());
    }
  }

  /** Runs {@code node args...} in the project's folder. */
  public Result node(List<String> args, String logName, Duration timeout) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(node.toString());
    cmd.addAll(args);
    return exec(cmd, logName, timeout);
  }

  /** Runs any command in the project's folder. */
  public Result exec(List<String> cmd, String logName, Duration timeout) throws IOException, InterruptedException {
    Path log = logs.resolve(logName);
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    int exit;
    if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      exit = p.exitValue();
    } else {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      exit = -1;
    }
    String output = Files.readString(log);
    if (exit == -1) {
      output += "\n[" + String.join(" ", cmd) + " timed out after " + timeout + "]";
    }
    return new Result(exit, output);
  }
}
