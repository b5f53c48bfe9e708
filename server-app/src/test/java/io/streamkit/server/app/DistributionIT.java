package io.streamkit.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.streamkit.testing.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server distribution as an operator uses it: {@code streamkit-server-<version>.tar.gz} unpacked in a folder of
 * its own, started through {@code bin/streamkit-server} with JAVA_OPTS and STREAMKIT_* in the environment and its
 * {@code conf/} files edited, checked with the gRPC health service, stopped with SIGTERM.
 */
@Timeout(120)
class DistributionIT {
  @TempDir Path dir;

  @Test
  void theUnpackedDistributionRunsAsAServiceAndStopsCleanlyOnSigterm() throws Exception {
    Path home = unpack();
    assertThat(home.resolve("bin/streamkit-server")).isExecutable();
    assertThat(home.resolve("conf/streamkit.properties")).isRegularFile();
    assertThat(home.resolve("conf/logback.xml")).isRegularFile();
    assertThat(home.resolve("systemd/streamkit-server.service")).isRegularFile();
    assertThat(home.resolve("LICENSE")).isRegularFile();
    try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
      assertThat(lib.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.startsWith("streamkit-server-app-")).anyMatch(n -> n.startsWith("grpc-netty-"))
          .allMatch(n -> n.endsWith(".jar"));
    }

    // What the launcher must pass on: the conf/ files (a marked log pattern, the metrics port) ...
    int port = ServerProcess.freePort();
    int metricsPort = ServerProcess.freePort();
    Path logback = home.resolve("conf/logback.xml");
    Files.writeString(logback, Files.readString(logback).replace("<pattern>", "<pattern>DIST-LOG "));
    Files.writeString(home.resolve("conf/streamkit.properties"),
        "\nmetrics-port = " + metricsPort + "\nshutdown-grace = 1s\n", StandardOpenOption.APPEND);
    // ... and the environment (JAVA_OPTS, STREAMKIT_*).
    Path out = dir.resolve("server.log");
    ProcessBuilder launch = new ProcessBuilder(home.resolve("bin/streamkit-server").toString())
        .redirectErrorStream(true).redirectOutput(out.toFile());
    Map<String, String> env = launch.environment();
    env.keySet().removeIf(k -> k.startsWith("STREAMKIT_"));
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("JAVA_OPTS", "-Xmx128m -Dstreamkit.distribution.test=yes");
    env.put("STREAMKIT_PORT", Integer.toString(port));
    env.put("STREAMKIT_HOST", "127.0.0.1");
    Process server = launch.start();
    try {
      assertThat(awaitHealth(port, server, out)).isEqualTo(ServingStatus.SERVING);
      // exec: the launcher's process is now the JVM, with JAVA_OPTS on its command line.
      String cmdline = Files.readString(Path.of("/proc", Long.toString(server.pid()), "cmdline"))
          .replace('\0', ' ');
      assertThat(cmdline).contains("java").contains("-Xmx128m -Dstreamkit.distribution.test=yes")
          .contains("-Dlogback.configurationFile=" + logback);
      HttpResponse<String> metrics = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
              .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);

      server.destroy(); // SIGTERM
      assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("exited within 30 s of SIGTERM").isTrue();
      assertThat(server.exitValue()).as("exit code after SIGTERM; output:%n%s", Files.readString(out)).isZero();
      assertThat(Files.readString(out)).contains("DIST-LOG ").contains("StreamKit server stopped");
    } finally {
      server.destroyForcibly();
    }
  }

  @Test
  void theLauncherPrintsTheVersionAndNamesAMissingJava() throws Exception {
    Path home = unpack();
    ProcessBuilder version = new ProcessBuilder(home.resolve("bin/streamkit-server").toString(), "--version")
        .redirectErrorStream(true);
    version.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process p = version.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String name = System.getProperty("streamkit.distribution.name");
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim())
        .isEqualTo("streamkit-server " + name.substring("streamkit-server-".length()));

    ProcessBuilder noJava = new ProcessBuilder(home.resolve("bin/streamkit-server").toString())
        .redirectErrorStream(true);
    noJava.environment().put("JAVA_HOME", dir.resolve("no-such-jdk").toString());
    Process q = noJava.start();
    assertThat(q.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(q.exitValue()).isEqualTo(1);
    assertThat(new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("set JAVA_HOME");
  }

  private Path unpack() throws Exception {
    Path tarball = Path.of(System.getProperty("streamkit.distribution"));
    assertThat(tarball).as("built by `package` of server-app").isRegularFile();
    Path target = Files.createTempDirectory(dir, "unpacked-");
    Process tar = new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", target.toString())
        .redirectErrorStream(true).start();
    assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(tar.exitValue()).as(new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    try (Stream<Path> top = Files.list(target)) {
      List<Path> entries = top.toList();
      assertThat(entries).as("one top folder, named after the tarball")
          .containsExactly(target.resolve(System.getProperty("streamkit.distribution.name")));
      return entries.get(0);
    }
  }

  private static ServingStatus awaitHealth(int port, Process server, Path out) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        if (!server.isAlive()) {
          throw new AssertionError("server exited with " + server.exitValue() + ":\n" + Files.readString(out));
        }
        try {
          return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()).getStatus();
        } catch (StatusRuntimeException notYet) {
          if (System.nanoTime() > deadline) {
            throw new AssertionError("no health answer on port " + port + " within 60 s:\n" + Files.readString(out));
          }
          Thread.sleep(200);
        }
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
