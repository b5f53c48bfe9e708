package io.streamkit.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.testing.PluginJars;
import io.streamkit.testing.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config file through the packaged jar ({@code java -jar streamkit-server.jar --config FILE}): both spellings
 * of the flag start a server whose options come from the file, and a bad file stops start-up with exit code 2 and
 * one line naming the file, the key and the value.
 */
@Timeout(120)
class ConfigFileIT {
  private static final Duration EXIT_WITHIN = Duration.ofSeconds(60);

  /** A config file setting the plug-ins folder (one handler, route 'upper') and the metrics port. */
  private static Path configFile(Path dir, int metricsPort) throws Exception {
    Path plugins = dir.resolve("plugins");
    PluginJars.build(plugins, "upper", "Upper", PluginJars.upperCaseHandler("Upper", "upper"));
    Path file = dir.resolve("streamkit.properties");
    Files.writeString(file, """
        # options from the file, none of them on the command line
        plugins = %s
        metrics-port = %d
        """.formatted(plugins, metricsPort));
    return file;
  }

  private static void assertTheFileWasApplied(ServerProcess server, int metricsPort) throws Exception {
    assertThat(server.output()).contains("with routes [echo, greeter, upper]");
    HttpResponse<String> scrape = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.body()).contains("streamkit_");
  }

  @Test
  void configThenFileStartsWithTheFilesOptions(@TempDir Path dir) throws Exception {
    int metricsPort = ServerProcess.freePort();
    Path file = configFile(dir, metricsPort);

    try (ServerProcess server = ServerProcess.start("--config", file.toString())) {
      assertTheFileWasApplied(server, metricsPort);
    }
  }

  @Test
  void configEqualsFileStartsWithTheFilesOptions(@TempDir Path dir) throws Exception {
    int metricsPort = ServerProcess.freePort();
    Path file = configFile(dir, metricsPort);

    try (ServerProcess server = ServerProcess.start("--config=" + file)) {
      assertTheFileWasApplied(server, metricsPort);
    }
  }

  @Test
  void aMalformedUnicodeEscapeNamesTheFileTheLineTheKeyAndTheValue(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad-escape.properties");
    Files.writeString(file, "port = 9090\nhost = 127.0.0.\\u12g4\n");

    ServerProcess.Exit exit = ServerProcess.runUntilExit(EXIT_WITHIN, "--config=" + file);

    assertThat(exit.code()).as(exit.output()).isEqualTo(2);
    assertThat(exit.output().lines().filter(l -> l.startsWith("streamkit-server: ")))
        .containsExactly("streamkit-server: config file " + file + ", line 2, key 'host': '127.0.0.\\u12g4': "
            + "malformed unicode escape '\\u12g4' (expected: \\u and 4 hex digits, e.g. \\u00e9; write a backslash"
            + " as \\\\)");
  }

  @Test
  void aBadValueInTheFileNamesTheFileTheKeyAndTheValue(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad-value.properties");
    Files.writeString(file, "shutdown-grace = soon\n");

    ServerProcess.Exit exit = ServerProcess.runUntilExit(EXIT_WITHIN, "--host", "127.0.0.1", "--port", "0",
        "--config", file.toString());

    assertThat(exit.code()).as(exit.output()).isEqualTo(2);
    assertThat(exit.output()).doesNotContain("listening on");
    assertThat(exit.output().lines().filter(l -> l.startsWith("streamkit-server: ")).toList()).singleElement()
        .asString().startsWith("streamkit-server: invalid value for option '--shutdown-grace' from config file "
            + file + ", key 'shutdown-grace': 'soon': ");
  }
}
