package io.streamkit.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.server.LoopbackServer;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every bad request gets a clear error, and the server goes on serving a good request after each. */
@Timeout(60)
class BadWebInputTest {
  private static final String PUBLISH_EVENT = "/streamkit.v1.StreamService/PublishEvent";

  private static void stillServes(WebClient web) throws Exception {
    HttpResponse<String> ok = web.postJson(PUBLISH_EVENT, "{\"topic\":\"canary\"}");
    assertThat(ok.statusCode()).as("a good request after the bad one").isEqualTo(200);
  }

  @Test
  void anUnknownPathIs404NamingThePathAndTheEndpoints() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> r = web.get("/nothing/here", Map.of());

      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).contains("\"code\":\"unimplemented\"", "GET /nothing/here", "PATH_UNKNOWN", "docs/WEB.md");
      stillServes(web);
    }
  }

  @Test
  void anUnknownMethodIsUnimplementedInTheProtocolsErrorForm() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> r = web.postJson("/streamkit.v1.StreamService/Nope", "{}");

      assertThat(r.statusCode()).isEqualTo(501);
      assertThat(r.body()).contains("no method streamkit.v1.StreamService/Nope");
      stillServes(web);
    }
  }

  @Test
  void aWrongContentTypeIs415ListingTheServedOnes() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<byte[]> plain = web.post(PUBLISH_EVENT, "text/plain", "{}".getBytes(), Map.of());
      HttpResponse<byte[]> grpc = web.post(PUBLISH_EVENT, "application/grpc", new byte[5], Map.of());

      assertThat(plain.statusCode()).isEqualTo(415);
      assertThat(new String(plain.body())).contains("'text/plain' is not served", "application/connect+json",
          "CONTENT_TYPE_UNSUPPORTED");
      assertThat(new String(grpc.body())).contains("gRPC clients use the gRPC port");
      stillServes(web);
    }
  }

  @Test
  void malformedEnvelopesAndFramesAreInvalidArgumentSayingWhatIsWrong() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<byte[]> cut = web.post("/streamkit.v1.StreamService/Subscribe", "application/connect+json",
          new byte[] {0, 0, 0, 0, 50, '{'}, Map.of());
      HttpResponse<byte[]> shortFrame = web.post(PUBLISH_EVENT, "application/grpc-web+proto", new byte[] {0, 0},
          Map.of());
      HttpResponse<byte[]> garbage = web.post(PUBLISH_EVENT, "application/proto", new byte[] {(byte) 0xff, 1, 2},
          Map.of());
      HttpResponse<String> badJson = web.postJson(PUBLISH_EVENT, "{\"topic\":");

      assertThat(cut.statusCode()).isEqualTo(200); // Connect streaming: the error is in the end-of-stream message
      assertThat(WebClient.frames(cut.body()).get(0).text()).contains("invalid_argument",
          "announces 50 bytes but the body holds 1", "REQUEST_FRAMING_INVALID");
      assertThat(WebClient.frames(shortFrame.body()).get(0).text()).contains("grpc-status:3",
          "less than one frame header");
      assertThat(garbage.statusCode()).isEqualTo(400);
      assertThat(new String(garbage.body())).contains("not a valid PublishRequest", "REQUEST_MALFORMED");
      assertThat(badJson.statusCode()).isEqualTo(400);
      assertThat(badJson.body()).contains("not a valid PublishRequest in proto3 JSON");
      stillServes(web);
    }
  }

  @Test
  void anOversizedBodyIsResourceExhaustedNamingTheLimit() throws Exception {
    try (LoopbackServer s = WebServers.start(h -> {}, b -> b.settings(o -> o.maxInboundMessageSize(1024)))) {
      WebClient web = new WebClient(s.server.httpPort());
      byte[] big = ("{\"topic\":\"t\",\"payload\":\"" + "A".repeat(4000) + "\"}").getBytes();

      HttpResponse<byte[]> r = web.post(PUBLISH_EVENT, "application/json", big, Map.of());

      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(new String(r.body())).contains("resource_exhausted", "limit of 1024 bytes",
          "--max-inbound-message-size", "REQUEST_TOO_LARGE");
      stillServes(new WebClient(s.server.httpPort()));
    }
  }

  @Test
  void headersLargerThanTheMetadataLimitAre431NamingTheLimit() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> r = web.get("/v1/topics", Map.of("X-Big", "x".repeat(10_000)));

      assertThat(r.statusCode()).isEqualTo(431);
      assertThat(r.body()).contains("8192 bytes (--max-inbound-metadata-size)");
      stillServes(new WebClient(s.server.httpPort()));
    }
  }

  @Test
  void chatAndPublishOverHttpAreUnimplementedNamingCallAndPublishEvent() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> chat = web.postJson("/streamkit.v1.StreamService/Chat", "{}");
      HttpResponse<String> publish = web.postJson("/streamkit.v1.StreamService/Publish", "{}");

      assertThat(chat.statusCode()).isEqualTo(501);
      assertThat(chat.body()).contains("bidi-streaming method", "streamkit.v1.StreamService/Call",
          "streamkit.v1.StreamService/PublishEvent", "METHOD_NOT_SERVED_OVER_HTTP");
      assertThat(publish.body()).contains("client-streaming method");
      stillServes(web);
    }
  }

  @Test
  void aPostToEventsAndAGetOfAMethodAre405WithAllow() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> r = web.get(PUBLISH_EVENT, Map.of());

      assertThat(r.statusCode()).isEqualTo(405);
      assertThat(r.headers().firstValue("allow")).hasValue("POST");
      stillServes(web);
    }
  }
}
