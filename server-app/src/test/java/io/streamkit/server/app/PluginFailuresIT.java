package io.streamkit.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.testing.PluginJars;
import io.streamkit.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a plug-in can fail to load, through the packaged jar ({@code java -jar streamkit-server.jar --plugins
 * DIR}): start-up stops with a non-zero exit and one {@code streamkit-server:} line naming the jar and the class
 * (or, for a jar that is no jar or a path that is no folder, the path), and the server never listens.
 */
@Timeout(120)
class PluginFailuresIT {
  private static final Duration EXIT_WITHIN = Duration.ofSeconds(60);

  private static String handler(String simpleName, String body) {
    return """
        package plug;

        import io.streamkit.api.v1.Message;
        import io.streamkit.server.handler.MessageHandler;
        import io.streamkit.server.handler.StreamContext;

        public final class %s implements MessageHandler {
          %s
          @Override public void onMessage(StreamContext context, Message message) {}
        }
        """.formatted(simpleName, body);
  }

  /** The one line the CLI printed for the failure, after checking that start-up failed before listening. */
  private static String failureLine(ServerProcess.Exit exit) {
    assertThat(exit.code()).as("exit code; output:%n%s", exit.output()).isNotZero();
    assertThat(exit.output()).doesNotContain("listening on");
    return exit.output().lines().filter(l -> l.startsWith("streamkit-server: ")).findFirst()
        .orElseThrow(() -> new AssertionError("no 'streamkit-server:' line in:\n" + exit.output()));
  }

  private static ServerProcess.Exit start(Path plugins) throws Exception {
    return ServerProcess.runUntilExit(EXIT_WITHIN, "--host", "127.0.0.1", "--port", "0",
        "--plugins", plugins.toString());
  }

  @Test
  void aListedClassThatIsInNoJarNamesTheJarAndTheClass(@TempDir Path plugins) throws Exception {
    Path jar = PluginJars.build(plugins, "ghostly", Map.of("Ghost", handler("Ghost", "public String route() { return \"g\"; }")),
        Set.of(), List.of("plug.Ghost"));

    String line = failureLine(start(plugins));

    assertThat(line).contains(jar.getFileName().toString()).contains("plug.Ghost")
        .contains("the class is in no jar");
  }

  @Test
  void aListedClassThatIsNoHandlerNamesTheJarTheClassAndTheInterface(@TempDir Path plugins) throws Exception {
    Path jar = PluginJars.build(plugins, "wrongtype",
        Map.of("NotAHandler", "package plug; public final class NotAHandler {}"),
        Set.of("NotAHandler"), List.of("plug.NotAHandler"));

    String line = failureLine(start(plugins));

    assertThat(line).contains(jar.getFileName().toString()).contains("plug.NotAHandler")
        .contains("does not implement io.streamkit.server.handler.MessageHandler");
  }

  @Test
  void aConstructorThatThrowsNamesTheJarTheClassAndWhatItThrew(@TempDir Path plugins) throws Exception {
    Path jar = PluginJars.build(plugins, "boom", Map.of("Boom", handler("Boom", """
        public Boom() { throw new IllegalStateException("BOOM_CONFIG is not set"); }
        public String route() { return "boom"; }""")), Set.of("Boom"), List.of("plug.Boom"));

    String line = failureLine(start(plugins));

    assertThat(line).contains(jar.getFileName().toString()).contains("plug.Boom")
        .contains("constructor threw").contains("BOOM_CONFIG is not set");
  }

  @Test
  void aCorruptJarIsNamedInsteadOfSkippedSilently(@TempDir Path plugins) throws Exception {
    PluginJars.build(plugins, "good", "Upper", PluginJars.upperCaseHandler("Upper", "upper"));
    Path broken = plugins.resolve("broken.jar");
    byte[] good = Files.readAllBytes(plugins.resolve("good.jar"));
    Files.write(broken, java.util.Arrays.copyOf(good, good.length / 2)); // a download cut off half way

    String line = failureLine(start(plugins));

    assertThat(line).contains(broken.toString()).contains("is not a readable jar");
  }

  @Test
  void aHandlerWhoseDependencyIsMissingNamesTheJarTheClassAndTheMissingClass(@TempDir Path plugins)
      throws Exception {
    Path jar = PluginJars.build(plugins, "needy", Map.of(
            "Needy", handler("Needy", """
                private final Helper helper = new Helper();
                public String route() { return helper.name(); }"""),
            "Helper", "package plug; public final class Helper { public String name() { return \"needy\"; } }"),
        Set.of("Needy"), List.of("plug.Needy"));

    String line = failureLine(start(plugins));

    assertThat(line).contains(jar.getFileName().toString()).contains("plug.Needy").contains("class plug.Helper");
  }

  @Test
  void aHandlerWithABlankRouteNamesItsClassAndJar(@TempDir Path plugins) throws Exception {
    Path jar = PluginJars.build(plugins, "blank", Map.of("Blank", handler("Blank",
        "public String route() { return \"  \"; }")), Set.of("Blank"), List.of("plug.Blank"));

    String line = failureLine(start(plugins));

    assertThat(line).contains(jar.getFileName().toString()).contains("plug.Blank").contains("blank route");
  }

  @Test
  void pluginsNamingAJarFileInsteadOfItsFolderSaysSo(@TempDir Path plugins) throws Exception {
    Path jar = PluginJars.build(plugins, "upper", "Upper", PluginJars.upperCaseHandler("Upper", "upper"));

    ServerProcess.Exit exit = start(jar);
    String line = failureLine(exit);

    assertThat(exit.code()).as("bad input").isEqualTo(2);
    assertThat(line).contains(jar.toString()).contains("is a file").contains("directory");
  }

  @Test
  void aGoodPluginNextToTheseChecksStartsAndServes(@TempDir Path plugins) throws Exception {
    PluginJars.build(plugins, "upper", "Upper", PluginJars.upperCaseHandler("Upper", "upper"));

    try (ServerProcess server = ServerProcess.start("--plugins", plugins.toString())) {
      assertThat(server.output()).contains("found handler plug.Upper for route 'upper' in")
          .contains("upper.jar");
    }
  }
}
