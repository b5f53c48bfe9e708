package io.streamkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.server.StreamKitServer;
import io.streamkit.server.broker.redis.RedisBroker;
import io.streamkit.testing.RedisProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The Redis cases' scenarios, for a fraction of a second, against two in-process StreamKit servers sharing a real
 * redis-server (instance A takes the publishes, B the subscribers): proves the tool measures them end to end.
 * Speed is measured by {@code compare}, not here; only figures above zero and nothing lost are asserted.
 */
@Timeout(180)
class RedisScenarioSmokeTest {
  private static RedisProcess redis;
  private static RedisBroker brokerA;
  private static RedisBroker brokerB;
  private static StreamKitServer a;
  private static StreamKitServer b;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisProcess.start(true);
    brokerA = RedisBroker.builder().uri(redis.uri()).build();
    brokerB = RedisBroker.builder().uri(redis.uri()).build();
    a = StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0)).broker(brokerA).build().start();
    b = StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0)).broker(brokerB).build().start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (a != null) {
      a.close();
      b.close();
      brokerA.close();
      brokerB.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  /** Runs {@code scenario} with its subscribers on {@code subscribeOn} and its publishers on instance A. */
  private static Result load(StreamKitServer subscribeOn, String scenario, String... args) throws Exception {
    LoadOptions o = new LoadOptions();
    new CommandLine(o).parseArgs(Stream.concat(
        Stream.of("--target", "127.0.0.1:" + subscribeOn.port(), "--publish-target", "127.0.0.1:" + a.port(),
            "--warmup", "2s", "--duration", "3s", "--server-pid", Long.toString(ProcessHandle.current().pid())),
        Stream.of(args)).toArray(String[]::new));
    return BenchMain.runScenario(scenario, o);
  }

  @Test
  void ingestOverEightTopicsIntoRedisCountsAcknowledgedEvents() throws Exception {
    Result r = load(a, "ingest", "--streams", "2", "--batch", "50",
        "--payload", "64", "--topics", "8");
    assertThat(r.get("events_per_s")).isPositive();
    assertThat(r.get("topics")).isEqualTo(8);
    assertThat(r.get("ack_p99_us")).isPositive();
  }

  @Test
  void fanoutAcrossInstancesDeliversEveryOffsetToEverySubscriberOnTheOtherInstance() throws Exception {
    Result r = load(b, "fanout", "--subscribers", "50", "--connections", "2", "--payload", "256");
    assertThat(r.get("deliveries_per_s")).isPositive();
    assertThat(r.get("every_offset_delivered")).isEqualTo(1);
  }

  @Test
  void publishToDeliverLatencyAcrossInstancesAtAFixedRateIsMeasured() throws Exception {
    Result r = load(b, "fanout", "--subscribers", "10", "--connections", "2", "--payload", "64", "--rate", "500");
    assertThat(r.get("p99_us")).isPositive();
    assertThat(r.get("p50_us")).isPositive();
    assertThat(r.get("every_offset_delivered")).isEqualTo(1);
  }

  @Test
  void compareStartsItsOwnRedisWithTheAppendOnlyFileOn() throws Exception {
    RedisProcess.binary(); // skips locally, fails under CI, when redis-server is missing
    Path dir = Files.createTempDirectory("bench-redis");
    try (LocalRedis local = LocalRedis.start(dir)) {
      assertThat(local.uri()).isEqualTo("redis://127.0.0.1:" + local.port());
      assertThat(Files.exists(dir.resolve("redis.log"))).isTrue();
    }
  }
}
