package io.streamkit.examples.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Message;
import io.streamkit.client.StreamKitClient;
import io.streamkit.server.StreamKitServer;
import io.streamkit.server.handler.MessageHandler;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reverse handler registered in code on an embedded server, called through the client facade. */
class ReverseHandlerTest {
  private StreamKitServer server;
  private StreamKitClient client;

  @BeforeEach
  void startServerWithTheHandlerRegisteredInCode() {
    server = StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0)).handler(new ReverseHandler()).build().start();
    client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  @Test
  void repliesWithThePayloadReversed() throws Exception {
    Message reply = call("stressed", Map.of());

    assertThat(reply.getPayload().toStringUtf8()).isEqualTo("desserts");
    assertThat(reply.getRoute()).isEqualTo("reverse");
  }

  @Test
  void keepsCharactersOutsideTheBasicPlaneWhole() throws Exception {
    assertThat(call("a\uD83D\uDE00b", Map.of()).getPayload().toStringUtf8()).isEqualTo("b\uD83D\uDE00a");
  }

  @Test
  void copiesTheHeadersToTheReply() throws Exception {
    assertThat(call("abc", Map.of("trace", "t-1")).getHeadersMap()).containsEntry("trace", "t-1");
  }

  @Test
  void examplesClassPathRegistersNoPlugin() {
    // The services file goes into the reverse-plugin jar only: on this module's class path it would add the
    // reverse route to every server here that discovers handlers.
    assertThat(ServiceLoader.load(MessageHandler.class).stream()).isEmpty();
  }

  private Message call(String text, Map<String, String> headers) throws Exception {
    return client.call(ReverseHandler.ROUTE, ByteString.copyFromUtf8(text), headers).get(10, TimeUnit.SECONDS);
  }
}
