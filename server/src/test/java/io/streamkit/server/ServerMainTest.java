package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ServerMainTest {

  @Test
  void helpListsEveryOptionWithItsDefault() {
    String usage = new CommandLine(new ServerMain()).getUsageMessage(CommandLine.Help.Ansi.OFF);

    assertThat(usage)
        .contains("--port", "default: 9090")
        .contains("--host", "default: 0.0.0.0")
        .contains("--plugins")
        .contains("--max-inbound-message-size", "default: 4MiB")
        .contains("--max-queued-bytes-per-stream")
        .contains("--blocking-threads", "default: 64")
        .contains("--shutdown-grace", "default: 5s")
        .contains("STREAMKIT_");
  }

  @Test
  void anEnvironmentVariableSetsAnOptionAndAFlagWinsOverIt() {
    Map<String, String> env = Map.of("STREAMKIT_PORT", "7070", "STREAMKIT_SHUTDOWN_GRACE", "250ms",
        "STREAMKIT_MAX_QUEUED_BYTES_PER_STREAM", "512KiB");

    ServerMain fromEnv = parse(env);
    assertThat(fromEnv.settings().port()).isEqualTo(7070);
    assertThat(fromEnv.settings().shutdownGracePeriod()).isEqualTo(Duration.ofMillis(250));
    assertThat(fromEnv.settings().maxQueuedBytesPerStream()).isEqualTo(512 * 1024);

    ServerMain flagWins = parse(env, "--port", "6060");
    assertThat(flagWins.settings().port()).isEqualTo(6060);
  }

  @Test
  void anInvalidValueStopsStartUpWithExitCodeTwoNamingTheOptionAndTheValue() {
    String err = captureStderr(() -> assertThat(ServerMain.run("--port", "70000")).isEqualTo(2));
    assertThat(err).contains("--port").contains("70000").contains("expected: 0 to 65535");

    String err2 = captureStderr(() -> assertThat(ServerMain.run("--shutdown-grace", "soon")).isEqualTo(2));
    assertThat(err2).contains("--shutdown-grace").contains("soon");
  }

  @Test
  void theMetricsPortIsAFlagAndAnEnvironmentVariableOffByDefault() {
    assertThat(new CommandLine(new ServerMain()).getUsageMessage(CommandLine.Help.Ansi.OFF))
        .contains("--metrics-port", "default: -1");
    assertThat(parse(Map.of()).metrics.metricsPort).isEqualTo(-1);
    assertThat(parse(Map.of("STREAMKIT_METRICS_PORT", "9464")).metrics.metricsPort).isEqualTo(9464);
    assertThat(parse(Map.of("STREAMKIT_METRICS_PORT", "9464"), "--metrics-port", "0").metrics.metricsPort).isZero();
  }

  @Test
  void aBadMetricsPortStopsStartUpWithExitCodeTwoNamingTheOptionAndItsVariable() {
    String err = captureStderr(() -> assertThat(ServerMain.run("--metrics-port", "70000")).isEqualTo(2));
    assertThat(err).contains("--metrics-port").contains("STREAMKIT_METRICS_PORT").contains("70000")
        .contains("expected: -1 for no endpoint, 0 for a free port, or 1 to 65535");

    String err2 = captureStderr(() -> assertThat(ServerMain.run("--metrics-port", "lots")).isEqualTo(2));
    assertThat(err2).contains("--metrics-port").contains("lots");
  }

  private static ServerMain parse(Map<String, String> env, String... args) {
    ServerMain main = new ServerMain();
    new CommandLine(main).setDefaultValueProvider(new EnvironmentDefaults(env)).parseArgs(args);
    return main;
  }

  private static String captureStderr(Runnable r) {
    PrintStream original = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setErr(original);
    }
    return buffer.toString(StandardCharsets.UTF_8);
  }
}
