package io.streamkit.server;

import static io.streamkit.server.SecurityFixtures.chat;
import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.server.security.Authorizer;
import io.streamkit.server.security.Principal;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Authorizers found with ServiceLoader through a plug-in class loader. */
class SecurityPluginsTest {

  /** Denies the route {@code echo} to everyone. */
  public static final class NoEcho implements Authorizer {
    @Override
    public boolean mayChat(Optional<Principal> principal, String route) {
      return !route.equals("echo");
    }
  }

  /** Allows everything. */
  public static final class AllowAll implements Authorizer {}

  private static ClassLoader loaderListing(Path dir, Class<?>... authorizers) throws Exception {
    Path services = dir.resolve("META-INF/services/" + Authorizer.class.getName());
    Files.createDirectories(services.getParent());
    StringBuilder lines = new StringBuilder();
    for (Class<?> c : authorizers) {
      lines.append(c.getName()).append('\n');
    }
    Files.writeString(services, lines);
    return new URLClassLoader(new URL[] {dir.toUri().toURL()}, SecurityPluginsTest.class.getClassLoader());
  }

  @Test
  void aDiscoveredAuthorizerDecides(@TempDir Path dir) throws Exception {
    ClassLoader loader = loaderListing(dir, NoEcho.class);
    try (LoopbackServer s = LoopbackServer.start(b -> b.discoverSecurity(loader))) {
      RecordingObserver<Message> replies = chat(s.channel, msg("1", "echo", "x"), msg("2", "greeter", "bob"));

      assertThat(replies.values).hasSize(2);
      assertThat(replies.values.get(0).getError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED.value());
      assertThat(replies.values.get(1).hasError()).isFalse();
    }
  }

  @Test
  void twoDiscoveredAuthorizersStopStartUpNamingBothClasses(@TempDir Path dir) throws Exception {
    ClassLoader loader = loaderListing(dir, NoEcho.class, AllowAll.class);

    assertThatThrownBy(() -> StreamKitServer.builder().settings(o -> o.port(0)).discoverSecurity(loader).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(NoEcho.class.getName())
        .hasMessageContaining(AllowAll.class.getName());
  }
}
