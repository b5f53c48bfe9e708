package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.testing.RedisProcess;
import io.streamkit.testing.ServerProcess;
import io.streamkit.testing.TestPki;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server jar with {@code --broker redis} against a redis-server that requires a password
 * ({@code --requirepass}) and one that serves TLS ({@code --tls-port}, certificate from {@link TestPki}): it works
 * with the right credentials and CA; a wrong or missing password, or an untrusted certificate, stops start-up with
 * one line naming the problem and a non-zero exit; and the password appears in no log line, error message,
 * {@code --help} output or metrics series.
 */
@Timeout(180)
class RedisSecurityIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final Duration EXIT_WITHIN = Duration.ofSeconds(60);
  /** Distinctive, so that a grep for them finds only a leak. */
  private static final String PASSWORD = "Pw-7f3a9c-right";
  private static final String WRONG = "Pw-7f3a9c-wrong";

  @TempDir Path dir;

  private static void publishAndReceive(ServerProcess server) throws Exception {
    try (StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build();
        Subscription s = client.subscribe(List.of(TopicStart.oldest("secured")))) {
      client.publish("secured", ByteString.copyFromUtf8("through redis")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(s.next(WAIT).getPayload().toStringUtf8()).isEqualTo("through redis");
    }
  }

  private static String failureLine(ServerProcess.Exit exit) {
    assertThat(exit.code()).as("exit code; output:%n%s", exit.output()).isNotZero();
    assertThat(exit.output()).doesNotContain("listening on");
    List<String> lines = exit.output().lines().filter(l -> l.startsWith("streamkit-server: ")).toList();
    assertThat(lines).as(exit.output()).hasSize(1);
    return lines.get(0);
  }

  @Test
  void withThePasswordItWorksAndThePasswordIsInNoLogLineNorMetricsSeries() throws Exception {
    try (RedisProcess redis = RedisProcess.startWithPassword(PASSWORD)) {
      int metricsPort = ServerProcess.freePort();
      String output;
      try (ServerProcess server = ServerProcess.start("--broker", "redis", "--redis-uri", redis.uri(),
          "--metrics-port", Integer.toString(metricsPort))) {
        publishAndReceive(server);
        String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).timeout(WAIT).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(scrape).contains("streamkit_broker_available 1.0").doesNotContain(PASSWORD);
        // Redis goes away and comes back: the reconnect's log lines must not carry the password either.
        redis.kill();
        Thread.sleep(1500);
        redis.startAgain();
        publishAndReceive(server);
        assertThat(server.stop(Duration.ofSeconds(20))).isZero();
        output = server.output();
      }
      assertThat(output).contains("listening on").doesNotContain(PASSWORD);
    }
  }

  @Test
  void aWrongOrMissingPasswordStopsStartUpWithOneLineThatNeverShowsAPassword() throws Exception {
    try (RedisProcess redis = RedisProcess.startWithPassword(PASSWORD)) {
      String wrongUri = redis.uri().replace(PASSWORD, WRONG);
      ServerProcess.Exit wrong = ServerProcess.runUntilExit(EXIT_WITHIN, "--host", "127.0.0.1", "--port", "0",
          "--broker", "redis", "--redis-uri", wrongUri);
      String line = failureLine(wrong);
      assertThat(line).contains("--redis-uri").contains("refused the credentials").contains("WRONGPASS")
          .contains("redis://:****@127.0.0.1:" + redis.port());
      assertThat(wrong.output()).doesNotContain(WRONG).doesNotContain(PASSWORD);

      ServerProcess.Exit missing = ServerProcess.runUntilExit(EXIT_WITHIN, "--host", "127.0.0.1", "--port", "0",
          "--broker", "redis", "--redis-uri", "redis://127.0.0.1:" + redis.port());
      assertThat(failureLine(missing)).contains("refused the credentials").contains("NOAUTH");
    }
  }

  @Test
  void helpAndABadUriNeverShowThePasswordEvenFromTheEnvironment() throws Exception {
    String uri = "redis://:" + PASSWORD + "@127.0.0.1:6390";
    ServerProcess.Exit help = ServerProcess.runUntilExit(Map.of("STREAMKIT_REDIS_URI", uri), EXIT_WITHIN, "--help");
    assertThat(help.code()).isZero();
    assertThat(help.output()).contains("--redis-uri").doesNotContain(PASSWORD);

    ServerProcess.Exit bad = ServerProcess.runUntilExit(EXIT_WITHIN, "--host", "127.0.0.1", "--port", "0",
        "--broker", "redis", "--redis-uri", "http://:" + PASSWORD + "@127.0.0.1:6390");
    assertThat(failureLine(bad)).contains("--redis-uri").contains("****");
    assertThat(bad.output()).doesNotContain(PASSWORD);
  }

  /**
   * Lettuce reads {@code redis://host:notaport} as host {@code host:notaport} on port 6379 and {@code :0} as 6379:
   * without the start-up check these servers would wait for a Redis that cannot exist, and not exit at all.
   */
  @Test
  void aBadPortHostOrSchemeStopsStartUpWithExitCodeTwoNamingTheValueWithThePasswordRedacted() throws Exception {
    String secret = ":" + PASSWORD + "@";
    Map<String, String> problems = new java.util.LinkedHashMap<>();
    problems.put("redis://" + secret + "127.0.0.1:notaport",
        "port 'notaport' of host '127.0.0.1' is not a number 1-65535");
    problems.put("redis://" + secret + "127.0.0.1:0", "port '0' of host '127.0.0.1' is not a number 1-65535");
    problems.put("rediss://" + secret + "127.0.0.1:65536/0",
        "port '65536' of host '127.0.0.1' is not a number 1-65535");
    problems.put("redis://" + secret + ":6379", "no host (expected: redis://HOST:PORT");
    problems.put("valkey://" + secret + "127.0.0.1:6379", "unknown scheme 'valkey'");
    for (Map.Entry<String, String> bad : problems.entrySet()) {
      ServerProcess.Exit exit = ServerProcess.runUntilExit(EXIT_WITHIN, "--host", "127.0.0.1", "--port", "0",
          "--broker", "redis", "--redis-uri", bad.getKey());
      assertThat(exit.code()).as(exit.output()).isEqualTo(2);
      assertThat(failureLine(exit)).as(bad.getKey()).startsWith("streamkit-server: invalid value for option"
          + " '--redis-uri' (STREAMKIT_REDIS_URI): '" + bad.getKey().replace(PASSWORD, "****") + "': "
          + bad.getValue());
      assertThat(exit.output()).doesNotContain(PASSWORD);
    }

    // A cluster's seeds are checked one by one; the line names the bad one and where the list came from.
    String seeds = "redis://" + secret + "127.0.0.1:7001, redis://" + secret + "127.0.0.1:7o02";
    ServerProcess.Exit cluster = ServerProcess.runUntilExit(Map.of("STREAMKIT_REDIS_URI", seeds), EXIT_WITHIN,
        "--host", "127.0.0.1", "--port", "0", "--broker", "redis-cluster");
    assertThat(cluster.code()).as(cluster.output()).isEqualTo(2);
    assertThat(failureLine(cluster)).contains("'--redis-uri' from environment variable STREAMKIT_REDIS_URI")
        .contains("seed 'redis://:****@127.0.0.1:7o02': port '7o02' of host '127.0.0.1' is not a number 1-65535");
    assertThat(cluster.output()).doesNotContain(PASSWORD);
  }

  @Test
  void overTlsWithTheCaItWorksAndWithoutItStartUpSaysTheHandshakeFailed() throws Exception {
    TestPki pki = TestPki.create(dir, "redis-ca");
    try (RedisProcess redis = RedisProcess.startWithTls(pki.server(), pki.caCertificate())) {
      try (ServerProcess server = ServerProcess.start("--broker", "redis", "--redis-uri", redis.tlsUri(),
          "--redis-ca", pki.caCertificate().toString())) {
        publishAndReceive(server);
        assertThat(server.output()).contains("listening on");
      }

      ServerProcess.Exit untrusted = ServerProcess.runUntilExit(EXIT_WITHIN, "--host", "127.0.0.1", "--port",
          "0", "--broker", "redis", "--redis-uri", redis.tlsUri());
      assertThat(failureLine(untrusted)).contains("--redis-uri").contains("TLS handshake")
          .contains("--redis-ca");
    }
  }
}
