package io.streamkit.server;

import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.server.internal.plugins.PluginLoader;
import io.streamkit.testing.PluginJars;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginDiscoveryTest {

  @Test
  void aHandlerInASeparateJarInThePluginsFolderServesItsRoute(@TempDir Path plugins) throws Exception {
    PluginJars.build(plugins, "upper", "UpperHandler", PluginJars.upperCaseHandler("UpperHandler", "upper"));
    ClassLoader loader = PluginLoader.forDirectory(plugins, getClass().getClassLoader());

    try (LoopbackServer s = LoopbackServer.start(b -> b.discoverHandlers(loader))) {
      assertThat(s.server.routes()).contains("upper", "echo", "greeter");
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      requests.onNext(msg("1", "upper", "shout"));
      requests.onCompleted();

      assertThat(replies.awaitStatus(Duration.ofSeconds(5)).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).extracting(m -> m.getPayload().toStringUtf8()).containsExactly("SHOUT");
    }
    assertThat(Class.forName("plug.UpperHandler", false, loader).getClassLoader()).isSameAs(loader);
    assertThatThrownBy(() -> Class.forName("plug.UpperHandler"))
        .as("the handler is not on the test class path")
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void twoHandlersForOneRouteStopStartUpWithAMessageNamingBothClasses(@TempDir Path plugins) throws Exception {
    PluginJars.build(plugins, "clash", "EchoAgain", PluginJars.upperCaseHandler("EchoAgain", "echo"));
    ClassLoader loader = PluginLoader.forDirectory(plugins, getClass().getClassLoader());

    assertThatThrownBy(() -> StreamKitServer.builder().settings(o -> o.port(0)).discoverHandlers(loader).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("route 'echo'")
        .hasMessageContaining("io.streamkit.server.internal.handlers.EchoHandler")
        .hasMessageContaining("plug.EchoAgain");
  }

  @Test
  void aPluginsPathThatIsNotADirectoryIsRejectedNamingIt(@TempDir Path dir) {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> PluginLoader.forDirectory(missing, getClass().getClassLoader()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("plugins: " + missing);
  }
}
