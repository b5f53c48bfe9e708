package io.streamkit.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.testing.PluginJars;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginsOptionTest {

  @Test
  void theCommandLineExitsWithOneWhenTwoPluginsClaimARoute(@TempDir Path plugins) throws Exception {
    PluginJars.build(plugins, "a", "UpperA", PluginJars.upperCaseHandler("UpperA", "shout"));
    PluginJars.build(plugins, "b", "UpperB", PluginJars.upperCaseHandler("UpperB", "shout"));

    assertThat(ServerMain.run("--host", "127.0.0.1", "--port", "0", "--plugins", plugins.toString()))
        .isEqualTo(1);
  }
}
