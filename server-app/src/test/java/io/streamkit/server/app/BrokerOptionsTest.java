package io.streamkit.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
        .contains("--redis-timeout", "default: 5s");
  }

  @Test
  void anUnknownBrokerStopsStartUpWithExitCodeTwoNamingTheOptionAndItsVariable() {
    String err = captureStderr(() -> assertThat(ServerMain.run("--port", "0", "--broker", "kafka")).isEqualTo(2));

    assertThat(err).contains("--broker").contains("STREAMKIT_BROKER").contains("kafka")
        .contains("expected: memory, redis or redis-cluster");
  }

  @Test
  void aRedisUriThatIsNotOneStopsStartUpWithExitCodeTwo() {
    String err = captureStderr(() -> assertThat(
        ServerMain.run("--port", "0", "--broker", "redis", "--redis-uri", "http://example")).isEqualTo(2));

    assertThat(err).contains("--redis-uri").contains("STREAMKIT_REDIS_URI").contains("http://example")
        .contains("expected: redis://HOST:PORT");
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
