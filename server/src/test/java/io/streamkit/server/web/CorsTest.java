package io.streamkit.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.server.LoopbackServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CorsTest {

  @Test
  void aPreflightFromAListedOriginIsAllowedWithTheAskedHeaders() throws Exception {
    try (LoopbackServer s = WebServers.start(h -> h.corsOrigins(List.of("http://app.example")), b -> {})) {
      WebClient web = new WebClient(s.server.httpPort());
      HttpRequest preflight = HttpRequest.newBuilder(URI.create(web.base + "/streamkit.v1.StreamService/PublishEvent"))
          .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
          .header("Origin", "http://app.example")
          .header("Access-Control-Request-Method", "POST")
          .header("Access-Control-Request-Headers", "content-type,connect-protocol-version,authorization").build();

      HttpResponse<String> r = web.http.send(preflight, HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).isEqualTo(204);
      assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue("http://app.example");
      assertThat(r.headers().firstValue("access-control-allow-methods")).hasValue("GET, POST, OPTIONS");
      assertThat(r.headers().firstValue("access-control-allow-headers"))
          .hasValue("content-type,connect-protocol-version,authorization");
    }
  }

  @Test
  void aRequestFromAListedOriginExposesTheProtocolHeaders() throws Exception {
    try (LoopbackServer s = WebServers.start(h -> h.corsOrigins(List.of("http://app.example")), b -> {})) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> r = web.get("/v1/topics", Map.of("Origin", "http://app.example"));

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue("http://app.example");
      assertThat(r.headers().firstValue("access-control-expose-headers").orElseThrow()).contains("grpc-status");
    }
  }

  @Test
  void anOriginNotListedIsForbiddenAndTheMessageNamesTheOption() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> r = web.get("/v1/events?topic=a", Map.of("Origin", "http://evil.example"));

      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("origin 'http://evil.example'", "--http-cors-origins");
      assertThat(r.headers().firstValue("access-control-allow-origin")).isEmpty();
    }
  }

  @Test
  void theServersOwnOriginNeedsNoListing() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> r = web.get("/v1/topics", Map.of("Origin", web.base));

      assertThat(r.statusCode()).isEqualTo(200);
    }
  }
}
