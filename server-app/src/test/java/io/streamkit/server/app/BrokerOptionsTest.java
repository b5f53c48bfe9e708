package io.streamkit.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BrokerOptionsTest {

  @Test
  void helpListsTheBrokerOptionsWithTheirDefaults() {
    String usage = new CommandLine(new ServerMain()).getUsageMessage(CommandLine.Help.Ansi.OFF);

    assertThat(usage)
        .contains("--broker", "default: memory")
        .contains("--redis-uri", "default: redis://127.0.0.1:6379")
        .contains("--redis-key-prefix", "default: streamkit")
        .contains("--redis-timeout", "default: 5s")
        .contains("--redis-wait-replicas", "default: 0");
  }

  @Test
  void anUnknownBrokerStopsStartUpWithExitCodeTwoNamingTheOptionAndItsVariable() {
    String err = ServerMainTest.captureStderr(() -> assertThat(ServerMain.run("--port", "0", "--broker", "kafka")).isEqualTo(2));

    assertThat(err).contains("--broker").contains("STREAMKIT_BROKER").contains("kafka")
        .contains("expected: memory, redis or redis-cluster");
  }

  @Test
  void aRedisUriThatIsNotOneStopsStartUpWithExitCodeTwo() {
    String err = ServerMainTest.captureStderr(() -> assertThat(
        ServerMain.run("--port", "0", "--broker", "redis", "--redis-uri", "http://example")).isEqualTo(2));

    assertThat(err).contains("--redis-uri").contains("STREAMKIT_REDIS_URI").contains("http://example")
        .contains("expected: redis://HOST:PORT");
  }

  @Test
  void aNegativeWaitReplicasStopsStartUpWithExitCodeTwoNamingTheOptionAndItsVariable() {
    String err = ServerMainTest.captureStderr(() -> assertThat(ServerMain.run("--port", "0", "--broker", "redis",
        "--redis-wait-replicas", "-1")).isEqualTo(2));

    assertThat(err).contains("--redis-wait-replicas").contains("STREAMKIT_REDIS_WAIT_REPLICAS").contains("-1")
        .contains("expected: 0 to 16");
  }

  @Test
  void aClusterSeedThatIsNotAUriStopsStartUpWithExitCodeTwo() {
    String err = ServerMainTest.captureStderr(() -> assertThat(ServerMain.run("--port", "0", "--broker", "redis-cluster",
        "--redis-uri", "redis://127.0.0.1:7001,http://example")).isEqualTo(2));

    assertThat(err).contains("--redis-uri").contains("http://example").contains("expected: redis://HOST:PORT");
  }
}
