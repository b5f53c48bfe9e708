package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;

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
        .contains("STREAMKIT_");
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
