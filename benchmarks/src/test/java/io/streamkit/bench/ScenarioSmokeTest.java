package io.streamkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.server.ServerSettings;
import io.streamkit.server.StreamKitServer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every scenario of the load tool, for a fraction of a second, against an in-process StreamKit server and the
 * baseline server on ephemeral loopback ports: proves the tool works end to end. Only what must hold at any speed is
 * asserted (nothing lost, no error, the figures are there); a cold JIT on a busy machine may measure next to
 * nothing in half a second, so speed is measured by {@code compare}, not here.
 */
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
        Stream.of("--target", "127.0.0.1:" + port, "--warmup", "300ms", "--duration", "500ms",
            "--server-pid", Long.toString(ProcessHandle.current().pid())),
        Stream.of(args)).toArray(String[]::new));
    return BenchMain.runScenario(scenario, o);
  }

  @ParameterizedTest
  @MethodSource("servers")
  void greeterBidiThroughputCountsEchoedMessagesWithoutErrors(String server) throws Exception {
    Result r = load(server, "bidi-throughput", "--service", "greeter", "--streams", "2", "--window", "8");
    assertThat(r.get("msgs_per_s")).isPositive();
    assertThat(r.get("errors")).isZero();
  }

  @ParameterizedTest
  @MethodSource("servers")
  void pingPongOverChatEchoReportsLatencyPercentiles(String server) throws Exception {
    Result r = load(server, "ping-pong", "--service", "chat", "--streams", "1", "--window", "1");
    assertThat(r.get("p50_us")).isPositive();
    assertThat(r.get("p999_us")).isGreaterThanOrEqualTo(r.get("p50_us"));
    assertThat(r.get("errors")).isZero();
  }

  @ParameterizedTest
  @MethodSource("servers")
  void largePayloadsAreEchoedInMegabytesPerSecond(String server) throws Exception {
    Result r = load(server, "large", "--streams", "1", "--window", "2", "--payload", "65536");
    assertThat(r.get("mb_per_s")).isPositive();
  }

  @ParameterizedTest
  @MethodSource("servers")
  void fanoutDeliversEveryOffsetToEverySubscriber(String server) throws Exception {
    Result r = load(server, "fanout", "--subscribers", "50", "--connections", "2", "--payload", "256");
    assertThat(r.get("deliveries_per_s")).isPositive();
    assertThat(r.get("every_offset_delivered")).isEqualTo(1);
  }

  @ParameterizedTest
  @MethodSource("servers")
  void serverStreamReadsTheTopicAgainAndAgainWithoutGaps(String server) throws Exception {
    Result r = load(server, "server-stream", "--streams", "2", "--events", "500");
    assertThat(r.get("events_per_s")).isNotNegative();
    assertThat(r.get("gaps")).isZero();
  }

  @ParameterizedTest
  @MethodSource("servers")
  void ingestCountsAcknowledgedEvents(String server) throws Exception {
    Result r = load(server, "ingest", "--streams", "1", "--batch", "100");
    assertThat(r.get("events_per_s")).isNotNegative();
    assertThat(r.figures).containsKeys("ack_p50_us", "ack_p99_us");
  }

  @ParameterizedTest
  @MethodSource("servers")
  void slowConsumerMeasuresTheOthersWithAndWithoutIt(String server) throws Exception {
    Result r = load(server, "slow-consumer", "--subscribers", "3", "--rate", "200", "--payload", "64");
    assertThat(r.get("others_rate_without")).isNotNegative();
    assertThat(r.get("others_rate_with")).isNotNegative();
    assertThat(r.figures).containsKeys("heap_growth_mib", "others_rate_ratio");
  }

  @ParameterizedTest
  @MethodSource("servers")
  void idleSubscriptionsAreAllRegisteredAndMeasured(String server) throws Exception {
    Result r = load(server, "idle", "--subscribers", "100", "--connections", "2");
    assertThat(r.get("subscribers_failed")).isZero();
    assertThat(r.figures).containsKey("heap_per_stream_bytes");
  }
}
