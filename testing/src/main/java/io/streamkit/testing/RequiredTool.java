package io.streamkit.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds a program a test needs (redis-server, chromium, node): on the PATH, then at the given places. When it is
 * missing the test is skipped, printing one line to the build's output ({@code !!! SKIPPED: ...}) naming what to
 * install, except under CI ({@code CI=true}), where it fails: CI must run every test ({@code .ci/run} also fails
 * when any test was skipped).
 *
 * <p>Stateless and thread-safe.
 */
public final class RequiredTool {
  private RequiredTool() {}

  /**
   * The program's path.
   *
   * @param name the executable's name on the PATH
   * @param install how to install it, for the skip or failure message (e.g. "apt-get install -y redis-server")
   * @param places where to look when it is not on the PATH
   */
  public static Path find(String name, String install, String... places) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    for (String place : places) {
      if (Files.isExecutable(Path.of(place))) {
        return Path.of(place);
      }
    }
    if ("true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(name + " is not installed, and CI must run the tests that need it: " + install);
    }
    String skip = name + " is not installed (" + install + "); the tests that need it are skipped";
    // One loud line in the build's output, not only in the test report: a skipped suite is easy to miss.
    System.err.println("!!! SKIPPED: " + skip + " !!!");
    assumeTrue(false, skip);
    return null;
  }
}
