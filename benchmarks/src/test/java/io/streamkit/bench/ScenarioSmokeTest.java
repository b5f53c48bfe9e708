package io.streamkit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamkit.server.ConnectionSettings;
import io.streamkit.server.ServerSettings;
import io.streamkit.server.StreamKitServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every scenario of the load tool, for a fraction of a second, against an in-process StreamKit server and the
 * baseline server on ephemeral loopback ports: proves the tool works end to end. What must hold at any speed is
 * asserted: every figure the scenario exists for is above zero (a scenario that measures nothing fails), nothing
 * is lost and no reply is wrong (echoed payloads are compared with what was sent). How fast is measured by
 * {@code compare}, not here; one second of measuring (after a warm-up) is enough for a few operations even on a cold
 * JIT on a busy machine.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ScenarioSmokeTest {
  private static StreamKitServer streamkit;
  private static BaselineServer baseline;

  @BeforeAll
  static void startServers() throws Exception {
    streamkit = StreamKitServer.builder().settings(ServerSettings.builder().host("127.0.0.1").port(0).build()).build().start();
    baseline = BaselineServer.start("127.0.0.1", 0);
  }

  @AfterAll
  static void stopServers() {
    streamkit.close();
    baseline.close();
  }

  static Stream<Arguments> servers() {
    return Stream.of(Arguments.of("streamkit"), Arguments.of("baseline"));
  }

  private static Result load(String server, String scenario, String... args) throws Exception {
    int port = server.equals("streamkit") ? streamkit.port() : baseline.port();
    LoadOptions o = new LoadOptions();
    CommandLine cli = new CommandLine(o);
    cli.parseArgs(Stream.concat(
        Stream.of("--target", "127.0.0.1:" + port, "--warmup", "500ms", "--duration", "1s",
            "--server-pid", Long.toString(ProcessHandle.current().pid())),
        Stream.of(args)).toArray(String[]::new));
    return BenchMain.runScenario(scenario, o);
  }

  @ParameterizedTest
  @MethodSource("servers")
  void greeterBidiThroughputCountsEchoedMessagesWithoutErrors(String server) throws Exception {
    Result r = load(server, "bidi-throughput", "--service", "greeter", "--streams", "2", "--window", "8");
    assertThat(r.get("msgs_per_s")).isPositive();
    assertThat(r.get("mb_per_s")).isPositive();
    assertThat(r.get("p50_us")).isPositive();
    assertThat(r.get("errors")).as("failed streams and replies other than 'Received: ' + what was sent").isZero();
  }

  @ParameterizedTest
  @MethodSource("servers")
  void pingPongOverChatEchoReportsLatencyPercentiles(String server) throws Exception {
    Result r = load(server, "ping-pong", "--service", "chat", "--streams", "1", "--window", "1");
    assertThat(r.get("msgs_per_s")).isPositive();
    assertThat(r.get("p50_us")).isPositive();
    assertThat(r.get("p999_us")).isGreaterThanOrEqualTo(r.get("p50_us"));
    assertThat(r.get("errors")).isZero();
  }

  @ParameterizedTest
  @MethodSource("servers")
  void largePayloadsAreEchoedInMegabytesPerSecond(String server) throws Exception {
    Result r = load(server, "large", "--streams", "1", "--window", "2", "--payload", "65536");
    assertThat(r.get("mb_per_s")).isPositive();
    // Every echoed 64 KiB payload is compared with the one sent.
    assertThat(r.get("errors")).isZero();
  }

  @ParameterizedTest
  @MethodSource("servers")
  void fanoutDeliversEveryOffsetToEverySubscriber(String server) throws Exception {
    Result r = load(server, "fanout", "--subscribers", "50", "--connections", "2", "--payload", "256");
    assertThat(r.get("deliveries_per_s")).isPositive();
    assertThat(r.get("publishes_per_s")).isPositive();
    assertThat(r.get("subscribers_failed")).isZero();
    assertThat(r.get("every_offset_delivered")).isEqualTo(1);
  }

  @ParameterizedTest
  @MethodSource("servers")
  void serverStreamReadsTheTopicAgainAndAgainWithoutGaps(String server) throws Exception {
    Result r = load(server, "server-stream", "--streams", "2", "--events", "500");
    assertThat(r.get("events_per_s")).isPositive();
    assertThat(r.get("gaps")).isZero();
  }

  @ParameterizedTest
  @MethodSource("servers")
  void ingestCountsAcknowledgedEvents(String server) throws Exception {
    Result r = load(server, "ingest", "--streams", "1", "--batch", "100");
    assertThat(r.get("events_per_s")).isPositive();
    assertThat(r.get("ack_p50_us")).isPositive();
    assertThat(r.get("ack_p99_us")).isGreaterThanOrEqualTo(r.get("ack_p50_us"));
  }

  @ParameterizedTest
  @MethodSource("servers")
  void slowConsumerMeasuresTheOthersWithAndWithoutIt(String server) throws Exception {
    Result r = load(server, "slow-consumer", "--subscribers", "3", "--rate", "200", "--payload", "64");
    assertThat(r.get("others_rate_without")).isPositive();
    assertThat(r.get("others_rate_with")).isPositive();
    assertThat(r.get("others_rate_ratio"))
        .isCloseTo(r.get("others_rate_with") / r.get("others_rate_without"), within(1e-9)).isPositive();
    assertThat(r.figures).containsKey("heap_growth_mib");
  }

  @ParameterizedTest
  @MethodSource("servers")
  void idleSubscriptionsAreAllRegisteredAndMeasured(String server) throws Exception {
    Result r = load(server, "idle", "--subscribers", "100", "--connections", "2");
    assertThat(r.get("subscribers_failed")).isZero();
    assertThat(r.get("subscribers_registered")).isEqualTo(100);
    // The heap figure reads the server's heap through jcmd: this JVM's, where 100 subscriptions cost something.
    assertThat(r.get("heap_per_stream_bytes")).isPositive();
    // The load tool's own footprint (here the same JVM as the server's).
    assertThat(r.get("client_heap_mib")).isPositive();
    assertThat(r.get("client_rss_mib")).isPositive();
    assertThat(r.get("client_threads")).isPositive();
  }

  /**
   * A server that lets 20 streams start per connection: 100 idle subscriptions with at most 20 per connection open
   * 5 connections and all start; with 50 allowed per connection over 2 connections, 60 wait in the client for ever
   * (grpc-java #8252), and the scenario reports them as failed after the register timeout instead of waiting on.
   */
  @Test
  void idleSubscriptionsAreSpreadOverEnoughConnectionsForTheServersStreamLimit() throws Exception {
    try (StreamKitServer limited = StreamKitServer.builder().settings(ServerSettings.builder().host("127.0.0.1").port(0)
        .connection(ConnectionSettings.builder().maxConcurrentStreams(20).build()).build()).build().start()) {
      String[] common = {"--target", "127.0.0.1:" + limited.port(), "--server-pid",
          Long.toString(ProcessHandle.current().pid()), "--subscribers", "100", "--connections", "2"};

      Result spread = runIdle(common, "--max-streams-per-connection", "20");
      assertThat(spread.get("connections")).isEqualTo(5);
      assertThat(spread.get("subscribers_registered")).isEqualTo(100);
      assertThat(spread.get("subscribers_failed")).isZero();

      long started = System.nanoTime();
      Result crowded = runIdle(common, "--max-streams-per-connection", "50", "--register-timeout", "2s");
      assertThat(crowded.get("connections")).isEqualTo(2);
      assertThat(crowded.get("subscribers_registered")).isEqualTo(40);
      assertThat(crowded.get("subscribers_failed")).isEqualTo(60);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
    }
  }

  private static Result runIdle(String[] common, String... args) throws Exception {
    LoadOptions o = new LoadOptions();
    new CommandLine(o).parseArgs(Stream.concat(Stream.of(common), Stream.of(args)).toArray(String[]::new));
    return BenchMain.runScenario("idle", o);
  }
}
