package io.streamkit.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.time.Duration;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Properties through the wire (real Netty on loopback): route names and header maps. */
class WireProperties {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static Loopback loopback;

  @BeforeContainer
  static void start() {
    loopback = Loopback.start();
  }

  @AfterContainer
  static void stop() throws Exception {
    loopback.close();
  }

  /** Any text protobuf can carry: every code point but the surrogates, which alone are not UTF-8. */
  @Provide
  Arbitrary<String> text() {
    return Arbitraries.strings()
        .withCharRange('\u0000', '\uD7FF').withCharRange('\uE000', '\uFFFF')
        .ofMaxLength(40);
  }

  @Provide
  Arbitrary<Map<String, String>> headerMaps() {
    return Arbitraries.maps(text(), text()).ofMaxSize(8);
  }

  private static Message roundTrip(Message request) throws Exception {
    Recorder<Message> replies = new Recorder<>();
    ClientCall<Message, Message> chat =
        loopback.channel.newCall(StreamServiceGrpc.getChatMethod(), CallOptions.DEFAULT);
    chat.start(replies, new Metadata());
    chat.request(2);
    chat.sendMessage(request);
    chat.halfClose();
    assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
    assertThat(replies.values).hasSize(1);
    return replies.values.get(0);
  }

  @Property(tries = 200)
  void anyHeaderMapComesBackFromEchoExactly(@ForAll("headerMaps") Map<String, String> headers,
      @ForAll("text") String payload) throws Exception {
    Message reply = roundTrip(Message.newBuilder().setId("1").setRoute("echo")
        .setPayload(ByteString.copyFromUtf8(payload)).putAllHeaders(headers).build());
    assertThat(reply.getHeadersMap()).isEqualTo(headers);
    assertThat(reply.getPayload().toStringUtf8()).isEqualTo(payload);
    assertThat(reply.getCorrelationId()).isEqualTo("1");
  }

  @Property(tries = 200)
  void anyRouteNameIsServedOrAnsweredWithAnErrorReplyNamingItAndTheStreamStaysOpen(
      @ForAll("text") String route) throws Exception {
    Message reply = roundTrip(Message.newBuilder().setId("r").setRoute(route).build());
    assertThat(reply.getCorrelationId()).isEqualTo("r");
    if (route.equals("echo") || route.equals("greeter")) {
      assertThat(reply.hasError()).isFalse();
    } else if (route.isEmpty()) {
      assertThat(reply.getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    } else {
      assertThat(reply.getError().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED.value());
      assertThat(reply.getError().getMessage())
          .isEqualTo("unknown route '" + route + "': no handler on this server serves it");
    }
  }
}
