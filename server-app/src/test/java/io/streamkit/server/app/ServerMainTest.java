package io.streamkit.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamkit.server.ConnectionSettings;
import io.streamkit.testing.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
        .contains("--config")
        .contains("--keepalive-time", "default: 60s")
        .contains("--permit-keepalive-time", "default: 5s")
        .contains("--max-connection-age", "default: off")
        .contains("--max-concurrent-streams", "default: 10000")
        .contains("--max-rst-frames-per-window", "default: 200000")
        .contains("--handshake-timeout", "default: 10s")
        .contains("--stream-idle-timeout")
        .contains("--compression", "default: identity")
        .contains("STREAMKIT_")
        .contains("Precedence: flag, then environment variable, then config file, then default.");
  }

  @Test
  void theConfigFileSetsOptionsAndTheEnvironmentAndFlagsWinOverIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("streamkit.properties");
    Files.writeString(file, String.join("\n",
        "# production settings",
        "port = 7000",
        "shutdown-grace = 20s",
        "max-connection-age = 30m",
        "compression = gzip",
        "max-inbound-message-size = 8MiB"));
    Map<String, String> fileValues = ConfigFile.load(file, knownKeys());

    ServerMain fromFile = parse(Map.of(), fileValues);
    assertThat(fromFile.settings().port()).isEqualTo(7000);
    assertThat(fromFile.settings().shutdownGracePeriod()).isEqualTo(Duration.ofSeconds(20));
    assertThat(fromFile.settings().connection().maxConnectionAge()).isEqualTo(Duration.ofMinutes(30));
    assertThat(fromFile.settings().connection().compression()).isEqualTo("gzip");
    assertThat(fromFile.settings().maxInboundMessageSize()).isEqualTo(8 * 1024 * 1024);

    ServerMain envWins = parse(Map.of("STREAMKIT_PORT", "7001"), fileValues);
    assertThat(envWins.settings().port()).isEqualTo(7001);
    assertThat(envWins.settings().shutdownGracePeriod()).isEqualTo(Duration.ofSeconds(20));

    ServerMain flagWins = parse(Map.of("STREAMKIT_PORT", "7001"), fileValues, "--port", "7002");
    assertThat(flagWins.settings().port()).isEqualTo(7002);
  }

  @Test
  void anUnknownConfigKeyOrAnInvalidConfigValueStopsStartUpNamingIt(@TempDir Path dir) throws Exception {
    Path typo = dir.resolve("typo.properties");
    Files.writeString(typo, "prot = 7000\n");
    String err = captureStderr(() -> assertThat(ServerMain.run(Map.of(), "--config", typo.toString())).isEqualTo(2));
    assertThat(err).contains(typo.toString()).contains("unknown key 'prot'");

    Path bad = dir.resolve("bad.properties");
    Files.writeString(bad, "max-concurrent-streams = 0\n");
    String err2 = captureStderr(() -> assertThat(ServerMain.run(Map.of("STREAMKIT_CONFIG", bad.toString())))
        .isEqualTo(2));
    assertThat(err2).contains("--max-concurrent-streams").contains("'0'").contains("expected: > 0");

    String err3 = captureStderr(
        () -> assertThat(ServerMain.run(Map.of(), "--config", dir.resolve("missing").toString())).isEqualTo(2));
    assertThat(err3).contains("--config").contains("cannot read it");
  }

  @Test
  void everyConnectionOptionReachesTheSettings() {
    ServerMain main = parse(Map.of("STREAMKIT_STREAM_IDLE_TIMEOUT", "5m"),
        "--keepalive-time", "30s", "--keepalive-timeout", "5s", "--permit-keepalive-time", "10s",
        "--permit-keepalive-without-calls", "false", "--max-connection-idle", "15m",
        "--max-connection-age", "1h", "--max-connection-age-grace", "1m", "--handshake-timeout", "3s",
        "--max-concurrent-streams", "500", "--max-inbound-metadata-size", "16KiB",
        "--max-rst-frames-per-window", "1000", "--rst-window", "2s");
    ConnectionSettings c = main.settings().connection();
    assertThat(c.keepAliveTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.keepAliveTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.permitKeepAliveTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.permitKeepAliveWithoutCalls()).isFalse();
    assertThat(c.maxConnectionIdle()).isEqualTo(Duration.ofMinutes(15));
    assertThat(c.maxConnectionAge()).isEqualTo(Duration.ofHours(1));
    assertThat(c.maxConnectionAgeGrace()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.handshakeTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.maxConcurrentStreams()).isEqualTo(500);
    assertThat(c.maxInboundMetadataSize()).isEqualTo(16 * 1024);
    assertThat(c.maxRstFramesPerWindow()).isEqualTo(1000);
    assertThat(c.rstWindow()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.streamIdleTimeout()).isEqualTo(Duration.ofMinutes(5));
  }

  private static java.util.Set<String> knownKeys() {
    java.util.Set<String> keys = new java.util.HashSet<>();
    new CommandLine(new ServerMain()).getCommandSpec().options()
        .forEach(o -> keys.add(EnvironmentDefaults.keyFor(o.longestName())));
    return keys;
  }

  private static ServerMain parse(Map<String, String> env, Map<String, String> file, String... args) {
    ServerMain main = new ServerMain();
    new CommandLine(main).setDefaultValueProvider(new EnvironmentDefaults(env, file)).parseArgs(args);
    return main;
  }

  @Test
  void helpListsTheSecurityOptions() {
    String usage = new CommandLine(new ServerMain()).getUsageMessage(CommandLine.Help.Ansi.OFF);

    assertThat(usage).contains("--tls-cert", "--tls-key", "--tls-client-ca", "--auth-tokens", "default: none");
  }

  @Test
  void aTlsCertificatePathThatDoesNotExistStopsStartUpNamingTheOptionAndTheValue(@TempDir Path dir) {
    Path missing = dir.resolve("no-such-cert.pem");
    String err = captureStderr(() -> assertThat(
        ServerMain.run("--port", "0", "--tls-cert", missing.toString(), "--tls-key", missing.toString()))
        .isEqualTo(2));

    assertThat(err).contains("invalid value for option '--tls-cert' (STREAMKIT_TLS_CERT): '" + missing + "'")
        .contains("cannot be read");
  }

  @Test
  void aTlsCertificateWithoutItsKeyStopsStartUpNamingTheMissingOption(@TempDir Path dir) throws Exception {
    TestPki.Issued server = TestPki.create(dir, "ca").server();
    String err = captureStderr(() -> assertThat(
        ServerMain.run("--port", "0", "--tls-cert", server.certificate().toString())).isEqualTo(2));

    assertThat(err).contains("invalid value for option '--tls-key'").contains("TLS needs both --tls-cert and --tls-key");
  }

  @Test
  void aKeyThatIsNotTheCertificatesStopsStartUpNamingTheKeyOption(@TempDir Path dir) throws Exception {
    TestPki pki = TestPki.create(dir, "ca");
    TestPki.Issued server = pki.server();
    TestPki.Issued other = pki.client("someone");
    String err = captureStderr(() -> assertThat(ServerMain.run("--port", "0",
        "--tls-cert", server.certificate().toString(), "--tls-key", other.key().toString())).isEqualTo(2));

    assertThat(err).contains("invalid value for option '--tls-key'")
        .contains("not the key of the first certificate of certificateChain (CN=localhost");
  }

  @Test
  void aMalformedTokenFileStopsStartUpNamingTheOptionTheFileAndTheLine(@TempDir Path dir) throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "good-token alice\nsecret-without-name\n");
    String err = captureStderr(() -> assertThat(
        ServerMain.run("--port", "0", "--auth-tokens", tokens.toString())).isEqualTo(2));

    assertThat(err).contains("invalid value for option '--auth-tokens' (STREAMKIT_AUTH_TOKENS)")
        .contains("token file " + tokens + " line 2")
        .doesNotContain("secret-without-name");
  }

  @Test
  void securityOptionsComeFromTheEnvironmentToo() {
    ServerMain main = parse(Map.of("STREAMKIT_TLS_CERT", "/etc/streamkit/cert.pem",
        "STREAMKIT_AUTH_TOKENS", "/etc/streamkit/tokens"));

    assertThat(main.security.tlsCert).isEqualTo(Path.of("/etc/streamkit/cert.pem"));
    assertThat(main.security.authTokens).isEqualTo(Path.of("/etc/streamkit/tokens"));
    assertThat(main.security.tlsKey).isNull();
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
  void aKeepaliveTimeBelowGrpcJavasFloorOfTenSecondsIsRejectedInsteadOfSilentlyRaised() {
    String err = captureStderr(() -> assertThat(ServerMain.run("--keepalive-time", "5s")).isEqualTo(2));
    assertThat(err).contains("--keepalive-time").contains("STREAMKIT_KEEPALIVE_TIME")
        .contains("expected: at least 10s: grpc-java raises lower values to 10s");
    assertThatThrownBy(() -> ConnectionSettings.builder().keepAliveTime(Duration.ofMillis(9_999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keepAliveTime: PT9.999S (expected: at least 10s: grpc-java raises lower values to 10s)");
    assertThat(ConnectionSettings.builder().keepAliveTime(Duration.ofSeconds(10)).build().keepAliveTime())
        .isEqualTo(Duration.ofSeconds(10));
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

  static String captureStderr(Runnable r) {
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
