package io.streamkit.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad value stops start-up with exit code 2, one line naming the option, the value and where it came from (flag,
 * environment variable, or config file and key), and one line of help: never the whole usage.
 */
class OptionErrorsTest {
  private static final String HELP =
      "Run 'streamkit-server --help' for every option, its environment variable and default.";

  private record Outcome(int exitCode, String stderr) {
    String[] lines() {
      return stderr.strip().split("\\R");
    }
  }

  private static Outcome run(IntSupplier main) {
    PrintStream original = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      return new Outcome(main.getAsInt(), buffer.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }

  @Test
  void aValueFromTheEnvironmentThatIsNotANumberNamesTheVariableInOneLine() {
    Outcome out = run(() -> ServerMain.run(Map.of("STREAMKIT_PORT", "abc")));

    assertThat(out.exitCode()).isEqualTo(2);
    assertThat(out.lines()).containsExactly(
        "streamkit-server: invalid value for option '--port' from environment variable STREAMKIT_PORT: 'abc': "
            + "'abc' is not an int",
        HELP);
  }

  @Test
  void aValueFromTheEnvironmentThatTheSettingsRejectNamesTheVariable() {
    Outcome out = run(() -> ServerMain.run(Map.of("STREAMKIT_MAX_CONCURRENT_STREAMS", "0")));

    assertThat(out.exitCode()).isEqualTo(2);
    assertThat(out.lines()).hasSize(2);
    assertThat(out.lines()[0]).startsWith("streamkit-server: invalid value for option '--max-concurrent-streams' "
        + "from environment variable STREAMKIT_MAX_CONCURRENT_STREAMS: '0': ").contains("expected: > 0");
  }

  @Test
  void aBadValueInTheConfigFileNamesTheFileTheKeyAndTheValue(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("streamkit.properties");
    Files.writeString(file, "port = abc\n");
    Outcome notANumber = run(() -> ServerMain.run(Map.of(), "--config", file.toString()));

    assertThat(notANumber.exitCode()).isEqualTo(2);
    assertThat(notANumber.lines()).containsExactly("streamkit-server: invalid value for option '--port' from config "
        + "file " + file + ", key 'port': 'abc': 'abc' is not an int", HELP);

    Files.writeString(file, "max-concurrent-streams = 0\n");
    Outcome rejected = run(() -> ServerMain.run(Map.of("STREAMKIT_CONFIG", file.toString())));

    assertThat(rejected.exitCode()).isEqualTo(2);
    assertThat(rejected.lines()[0]).startsWith("streamkit-server: invalid value for option '--max-concurrent-streams' "
        + "from config file " + file + ", key 'max-concurrent-streams': '0': ").contains("expected: > 0");
    assertThat(rejected.lines()).hasSize(2);
  }

  @Test
  void aBadFlagNamesTheFlagAndItsVariable() {
    Outcome out = run(() -> ServerMain.run(Map.of("STREAMKIT_PORT", "7000"), "--port", "abc"));

    assertThat(out.exitCode()).isEqualTo(2);
    assertThat(out.lines()).containsExactly(
        "streamkit-server: invalid value for option '--port' (STREAMKIT_PORT): 'abc': 'abc' is not an int", HELP);
  }

  @Test
  void anUnknownFlagIsNamedWithOneLineOfHelpNotTheUsage() {
    Outcome out = run(() -> ServerMain.run(Map.of(), "--prot", "7000"));

    assertThat(out.exitCode()).isEqualTo(2);
    assertThat(out.stderr()).contains("Unknown options: '--prot'").contains(HELP).doesNotContain("Usage:");
    assertThat(out.lines().length).isLessThan(6);
  }
}
