package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.streamkit.testing.ServerProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Cross-language interop: a standard Node.js gRPC client (@grpc/grpc-js + @grpc/proto-loader), built at run
 * time from the same .proto files, runs {@code interop/node/interop.js} against the packaged server jar.
 * Skipped only when {@code node} or {@code npm} is not on the PATH.
 */
class NodeInteropIT {
  private static final boolean WINDOWS = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("win");

  @Test
  void aNodeGrpcClientGeneratedFromTheSameProtosPassesEveryCheck() throws Exception {
    Optional<Path> node = onPath(WINDOWS ? "node.exe" : "node");
    Optional<Path> npm = onPath(WINDOWS ? "npm.cmd" : "npm");
    assumeThat(node).as("node on PATH").isPresent();
    assumeThat(npm).as("npm on PATH").isPresent();

    Path root = repoRoot();
    Path interopDir = root.resolve("interop").resolve("node");
    Path protoRoot = root.resolve("api").resolve("src").resolve("main").resolve("protobuf");
    Path logDir = Path.of("target", "node-interop").toAbsolutePath();
    Files.createDirectories(logDir);

    if (!Files.isDirectory(interopDir.resolve("node_modules"))) {
      Result ci = run(List.of(npm.get().toString(), "ci", "--no-audit", "--no-fund"), interopDir,
          logDir.resolve("npm-ci.log"), 300);
      assertThat(ci.exitCode).as("npm ci in %s failed; output:%n%s", interopDir, ci.output).isZero();
    }

    try (ServerProcess server = ServerProcess.start()) {
      Result r = run(List.of(node.get().toString(), "interop.js", "127.0.0.1:" + server.port(), protoRoot.toString()),
          interopDir, logDir.resolve("interop.log"), 60);
      String why = "node interop.js output:\n" + r.output + "\nserver output:\n" + server.output();
      assertThat(r.exitCode).as("%s", why).isZero();
      assertThat(r.output).as("%s", why).contains(
          "OK greeter.Chat:",
          "OK streamkit.Chat:",
          "OK streamkit.Publish:",
          "OK streamkit.Subscribe:",
          "ALL CHECKS PASSED");
      System.out.println("[NodeInteropIT] node interop.js output:\n" + r.output);
    }
  }

  private record Result(int exitCode, String output) {}

  /** Runs cmd in dir with stdout+stderr to log; exit code -1 on timeout (the process is killed). */
  private static Result run(List<String> cmd, Path dir, Path log, long timeoutSeconds)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    int exit;
    if (p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      exit = p.exitValue();
    } else {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      exit = -1;
    }
    String output = Files.readString(log);
    if (exit == -1) {
      output += "\n[NodeInteropIT] " + String.join(" ", cmd) + " timed out after " + timeoutSeconds + " s";
    }
    return new Result(exit, output);
  }

  /** The checkout root: the nearest directory above the working dir (or the server jar) with interop/node. */
  private static Path repoRoot() {
    List<Path> starts = new ArrayList<>();
    starts.add(Path.of("").toAbsolutePath());
    String jar = System.getProperty("streamkit.server.jar");
    if (jar != null) {
      starts.add(Path.of(jar).toAbsolutePath());
    }
    for (Path start : starts) {
      for (Path d = start.normalize(); d != null; d = d.getParent()) {
        if (Files.isRegularFile(d.resolve("interop").resolve("node").resolve("interop.js"))) {
          return d;
        }
      }
    }
    throw new IllegalStateException("interop/node/interop.js not found above " + starts);
  }

  private static Optional<Path> onPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate;
      try {
        candidate = Path.of(dir, exe);
      } catch (java.nio.file.InvalidPathException e) {
        continue;
      }
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
