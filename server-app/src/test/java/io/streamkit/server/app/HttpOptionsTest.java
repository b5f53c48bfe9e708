package io.streamkit.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.server.HttpSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class HttpOptionsTest {

  private static ServerMain parse(Map<String, String> env, String... args) {
    ServerMain main = new ServerMain();
    new CommandLine(main).setDefaultValueProvider(new EnvironmentDefaults(env)).parseArgs(args);
    return main;
  }

  @Test
  void theHttpPortIsOffByDefaultWithTheConsoleOnWhenItIsOpened() {
    HttpSettings off = parse(Map.of()).settings().http();
    HttpSettings on = parse(Map.of(), "--http-port", "8080").settings().http();

    assertThat(off.enabled()).isFalse();
    assertThat(on.port()).isEqualTo(8080);
    assertThat(on.console()).isTrue();
    assertThat(on.corsOrigins()).isEmpty();
    assertThat(on.sseHeartbeat()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void everyHttpOptionIsAFlagAnEnvironmentVariableAndAConfigKey(@TempDir Path dir) throws Exception {
    HttpSettings flags = parse(Map.of(), "--http-port", "0", "--http-cors-origins",
        "https://a.example, http://localhost:3000", "--http-console", "false", "--http-sse-heartbeat", "5s",
        "--http-idle-timeout", "off", "--http-max-connections", "7").settings().http();
    HttpSettings env = parse(Map.of("STREAMKIT_HTTP_PORT", "8081", "STREAMKIT_HTTP_CORS_ORIGINS", "*",
        "STREAMKIT_HTTP_CONSOLE", "false")).settings().http();
    Path config = dir.resolve("s.properties");
    Files.writeString(config, "http-port = 8082\nhttp-sse-heartbeat = 2s\n");
    ServerMain fromFile = new ServerMain();
    CommandLine cli = new CommandLine(fromFile);
    cli.setDefaultValueProvider(new EnvironmentDefaults(Map.of(), ConfigFile.load(config,
        java.util.Set.of("http-port", "http-sse-heartbeat"))));
    cli.parseArgs();

    assertThat(flags.port()).isZero();
    assertThat(flags.corsOrigins()).containsExactly("https://a.example", "http://localhost:3000");
    assertThat(flags.console()).isFalse();
    assertThat(flags.sseHeartbeat()).isEqualTo(Duration.ofSeconds(5));
    assertThat(flags.idleTimeout()).isZero();
    assertThat(flags.maxConnections()).isEqualTo(7);
    assertThat(env.port()).isEqualTo(8081);
    assertThat(env.corsOrigins()).isEqualTo(List.of("*"));
    assertThat(env.console()).isFalse();
    assertThat(fromFile.settings().http().port()).isEqualTo(8082);
    assertThat(fromFile.settings().http().sseHeartbeat()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aBadOriginStopsStartUpNamingTheOptionAndWhatIsExpected() {
    String err = ServerMainTest.captureStderr(() -> assertThat(ServerMain.run("--http-port", "0", "--http-cors-origins",
        "app.example/path")).isEqualTo(2));

    assertThat(err).contains("--http-cors-origins", "STREAMKIT_HTTP_CORS_ORIGINS", "app.example/path",
        "expected: scheme://host[:port]");
  }
}
