package io.streamkit.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import io.streamkit.server.LoopbackServer;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class GrpcWebTest {
  private static final String PUBLISH_EVENT = "/streamkit.v1.StreamService/PublishEvent";

  private static byte[] publish(String topic) {
    return PublishRequest.newBuilder().setTopic(topic).setPayload(ByteString.copyFromUtf8("p")).build().toByteArray();
  }

  @Test
  void unaryAnswersOneMessageFrameThenTheTrailersFrameInTheBody() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<byte[]> r = web.post(PUBLISH_EVENT, "application/grpc-web+proto",
          WebClient.frame(0, publish("orders")), Map.of("X-Grpc-Web", "1"));

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/grpc-web+proto");
      List<WebClient.Frame> frames = WebClient.frames(r.body());
      assertThat(frames).hasSize(2);
      assertThat(PublishAck.parseFrom(frames.get(0).data()).getLastOffsetsMap()).containsEntry("orders", 1L);
      assertThat(frames.get(1).flags()).isEqualTo(0x80);
      assertThat(frames.get(1).text()).startsWith("grpc-status:0\r\n");
    }
  }

  @Test
  void textModeIsBase64BothWays() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());
      byte[] body = Base64.getEncoder().encode(WebClient.frame(0, publish("texts")));

      HttpResponse<byte[]> r = web.post(PUBLISH_EVENT, "application/grpc-web-text", body, Map.of());

      assertThat(r.headers().firstValue("content-type")).hasValue("application/grpc-web-text+proto");
      // Each frame is its own padded base64 chunk.
      String text = new String(r.body());
      java.io.ByteArrayOutputStream decoded = new java.io.ByteArrayOutputStream();
      for (String chunk : text.split("(?<==)(?=[^=])")) {
        decoded.writeBytes(Base64.getDecoder().decode(chunk));
      }
      List<WebClient.Frame> frames = WebClient.frames(decoded.toByteArray());
      assertThat(PublishAck.parseFrom(frames.get(0).data()).getCount()).isEqualTo(1);
      assertThat(frames.get(1).text()).startsWith("grpc-status:0");
    }
  }

  @Test
  void aFailedCallCarriesStatusMessageAndDetailsInTheTrailersFrame() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<byte[]> r = web.post(PUBLISH_EVENT, "application/grpc-web+proto",
          WebClient.frame(0, publish("bad topic")), Map.of());

      List<WebClient.Frame> frames = WebClient.frames(r.body());
      assertThat(frames).hasSize(1);
      String trailers = frames.get(0).text();
      assertThat(trailers).contains("grpc-status:3\r\n", "grpc-message:topic 'bad topic'", "grpc-status-details-bin:");
    }
  }

  @Test
  void serverStreamingSubscribeStreamsEventFrames() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());
      web.post(PUBLISH_EVENT, "application/grpc-web+proto", WebClient.frame(0, publish("feed")), Map.of());
      byte[] subscribe = SubscribeRequest.newBuilder()
          .addTopics(TopicSubscription.newBuilder().setTopic("feed").setAfterOffset(0)).build().toByteArray();

      HttpResponse<byte[]> r = web.post("/streamkit.v1.StreamService/Subscribe", "application/grpc-web+proto",
          WebClient.frame(0, subscribe), Map.of("grpc-timeout", "700m"));

      List<WebClient.Frame> frames = WebClient.frames(r.body());
      assertThat(Event.parseFrom(frames.get(0).data()).getTopic()).isEqualTo("feed");
      assertThat(frames.get(frames.size() - 1).text()).startsWith("grpc-status:4\r\n");
    }
  }
}
