package io.streamkit.examples.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.server.StreamKitServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChatDemoTest {

  @Test
  void aliceAndBobHearEachOtherThroughAChatServer() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ChatServer server = new ChatServer(StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0))).start()) {
      ChatDemo.talk("127.0.0.1:" + server.port(), new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    assertThat(out.toString(StandardCharsets.UTF_8).lines())
        .containsExactly(
            "[alice] joined room 'lobby'; members: alice",
            "[bob] joined room 'lobby'; members: alice,bob",
            "[alice] * bob joined",
            "[bob] alice: Hi Bob! This line went from my stream through the server's room route to yours.",
            "[alice] bob: Hi Alice! And this one came back the same way, pushed by the server.",
            "[bob] alice: Bye!",
            "[bob] left",
            "[alice] * bob left",
            "[alice] left");
  }

  @Test
  void withoutAnAddressTheDemoEmbedsItsServerAndExitsWithZero() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int code = ChatDemo.run(new String[0], new PrintStream(out, true, StandardCharsets.UTF_8));

    assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .startsWith("embedded chat server on 127.0.0.1:")
        .contains("[bob] alice: Bye!", "[alice] * bob left");
  }

  @Test
  void anUnreachableServerEndsTheDemoWithOne() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int code = ChatDemo.run(new String[] {"127.0.0.1:1"}, new PrintStream(out, true, StandardCharsets.UTF_8));

    assertThat(code).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("chat demo failed", "UNAVAILABLE");
  }
}
