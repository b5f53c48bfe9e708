package io.streamkit.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import io.streamkit.server.LoopbackServer;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ConnectProtocolTest {
  private static final String PUBLISH_EVENT = "/streamkit.v1.StreamService/PublishEvent";
  private static final String SUBSCRIBE = "/streamkit.v1.StreamService/Subscribe";

  @Test
  void publishEventWithJsonIsAcknowledgedWithItsOffsetInProto3Json() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> first = web.postJson(PUBLISH_EVENT, "{\"topic\":\"orders\",\"payload\":\"aGk=\"}");
      HttpResponse<String> second = web.postJson(PUBLISH_EVENT, "{\"topic\":\"orders\",\"payload\":\"aGk=\"}");

      assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
      assertThat(first.headers().firstValue("content-type")).hasValue("application/json");
      assertThat(first.body()).isEqualTo("{\"count\":\"1\",\"lastOffsets\":{\"orders\":\"1\"}}");
      assertThat(second.body()).contains("\"orders\":\"2\"");
    }
  }

  @Test
  void publishEventWithBinaryProtoAnswersBinaryProto() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());
      byte[] request = PublishRequest.newBuilder().setTopic("t").setPayload(ByteString.copyFromUtf8("x")).build()
          .toByteArray();

      HttpResponse<byte[]> r = web.post(PUBLISH_EVENT, "application/proto", request, Map.of());

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/proto");
      assertThat(PublishAck.parseFrom(r.body()).getLastOffsetsMap()).containsEntry("t", 1L);
    }
  }

  @Test
  void aGzippedRequestIsRead() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
        out.write("{\"topic\":\"zipped\"}".getBytes());
      }

      HttpResponse<byte[]> r = web.post(PUBLISH_EVENT, "application/json", gz.toByteArray(),
          Map.of("Content-Encoding", "gzip"));

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(new String(r.body())).contains("\"zipped\":\"1\"");
    }
  }

  @Test
  void anInvalidTopicIsBadRequestWithTheConnectErrorBodyAndItsReason() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> r = web.postJson(PUBLISH_EVENT, "{\"topic\":\"no spaces\"}");

      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
      assertThat(r.body()).startsWith("{\"code\":\"invalid_argument\",\"message\":\"")
          .contains("\"type\":\"google.rpc.ErrorInfo\"", "\"reason\":\"TOPIC_INVALID\"");
    }
  }

  @Test
  void subscribeStreamsEnvelopesThenTheEndOfStreamMessageWithTheDeadlineError() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());
      web.postJson(PUBLISH_EVENT, "{\"topic\":\"news\",\"payload\":\"YQ==\"}");
      web.postJson(PUBLISH_EVENT, "{\"topic\":\"news\",\"payload\":\"Yg==\"}");
      byte[] request = SubscribeRequest.newBuilder()
          .addTopics(TopicSubscription.newBuilder().setTopic("news").setAfterOffset(0)).build().toByteArray();

      HttpResponse<byte[]> r = web.post(SUBSCRIBE, "application/connect+proto", WebClient.frame(0, request),
          Map.of("Connect-Protocol-Version", "1", "Connect-Timeout-Ms", "1500"));

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/connect+proto");
      List<WebClient.Frame> frames = WebClient.frames(r.body());
      assertThat(frames).hasSize(3);
      assertThat(Event.parseFrom(frames.get(0).data()).getOffset()).isEqualTo(1);
      assertThat(Event.parseFrom(frames.get(1).data()).getPayload().toStringUtf8()).isEqualTo("b");
      assertThat(frames.get(2).flags()).isEqualTo(2);
      assertThat(frames.get(2).text()).contains("\"code\":\"deadline_exceeded\"");
    }
  }

  @Test
  void subscribeWithJsonStreamsEventsInProto3Json() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());
      web.postJson(PUBLISH_EVENT, "{\"topic\":\"news\",\"payload\":\"YQ==\"}");
      byte[] request = "{\"topics\":[{\"topic\":\"news\",\"afterOffset\":\"0\"}]}".getBytes();

      HttpResponse<byte[]> r = web.post(SUBSCRIBE, "application/connect+json", WebClient.frame(0, request),
          Map.of("Connect-Timeout-Ms", "800"));

      List<WebClient.Frame> frames = WebClient.frames(r.body());
      assertThat(frames.get(0).text()).startsWith("{\"topic\":\"news\",\"offset\":\"1\",\"payload\":\"YQ==\"");
      assertThat(frames.get(frames.size() - 1).flags()).isEqualTo(2);
    }
  }

  @Test
  void callOverConnectJsonIsAnsweredByTheRoutesHandlerWithTheCorrelationId() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> echo = web.postJson("/streamkit.v1.StreamService/Call",
          "{\"id\":\"r1\",\"route\":\"echo\",\"payload\":\"aGk=\"}");
      HttpResponse<String> unknown = web.postJson("/streamkit.v1.StreamService/Call",
          "{\"id\":\"r2\",\"route\":\"nope\"}");

      assertThat(echo.statusCode()).isEqualTo(200);
      assertThat(echo.body()).contains("\"route\":\"echo\"", "\"payload\":\"aGk=\"", "\"correlationId\":\"r1\"");
      assertThat(unknown.statusCode()).as("a per-message error is a reply, not a failed call").isEqualTo(200);
      assertThat(unknown.body()).contains("\"code\":12", "\"reason\":\"ROUTE_UNKNOWN\"");
    }
  }

  @Test
  void healthIsServedOverConnect() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      HttpResponse<String> r = new WebClient(s.server.httpPort()).postJson("/grpc.health.v1.Health/Check", "{}");

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"status\":\"SERVING\"}");

      HttpResponse<byte[]> watch = new WebClient(s.server.httpPort()).post("/grpc.health.v1.Health/Watch",
          "application/connect+json", WebClient.frame(0, "{}".getBytes()), Map.of("Connect-Timeout-Ms", "500"));
      List<WebClient.Frame> frames = WebClient.frames(watch.body());
      assertThat(frames.get(0).text()).isEqualTo("{\"status\":\"SERVING\"}");
      assertThat(frames.get(1).flags()).isEqualTo(2);
    }
  }
}
