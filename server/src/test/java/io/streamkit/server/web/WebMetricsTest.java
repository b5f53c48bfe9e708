package io.streamkit.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamkit.server.LoopbackServer;
import io.streamkit.server.Scrape;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class WebMetricsTest {

  @Test
  void requestsOpenStreamsErrorsAndConnectionsAreCountedPerProtocol() throws Exception {
    try (LoopbackServer s = WebServers.start(h -> {}, b -> b.metricsPort(0))) {
      WebClient web = new WebClient(s.server.httpPort());
      web.postJson("/streamkit.v1.StreamService/PublishEvent", "{\"topic\":\"m\"}");
      web.postJson("/streamkit.v1.StreamService/PublishEvent", "{\"topic\":\"bad topic\"}");
      web.post("/streamkit.v1.StreamService/PublishEvent", "application/grpc-web+proto", new byte[] {0}, Map.of());
      try (InputStream sse = web.stream("/v1/events?topic=m", Map.of()).body()) {
        assertThat(WebClient.readEvent(sse)).contains(": subscribed");

        Scrape m = Scrape.of(s.server);
        assertThat(m.value("streamkit_http_requests_total", "protocol=\"connect\"")).isEqualTo(2.0);
        assertThat(m.value("streamkit_http_requests_total", "protocol=\"grpc-web\"")).isEqualTo(1.0);
        assertThat(m.value("streamkit_http_requests_total", "protocol=\"sse\"")).isEqualTo(1.0);
        assertThat(m.value("streamkit_http_streams_active", "protocol=\"sse\"")).isEqualTo(1.0);
        assertThat(m.value("streamkit_http_streams_active", "protocol=\"connect\"")).isEqualTo(0.0);
        assertThat(m.value("streamkit_http_errors_total", "protocol=\"connect\"", "code=\"INVALID_ARGUMENT\""))
            .isEqualTo(1.0);
        assertThat(m.value("streamkit_http_errors_total", "protocol=\"grpc-web\"", "code=\"INVALID_ARGUMENT\""))
            .isEqualTo(1.0);
        assertThat(m.value("streamkit_http_connections_active")).isGreaterThanOrEqualTo(1.0);
      }
      await().atMost(Duration.ofSeconds(10)).until(() ->
          Scrape.of(s.server).value("streamkit_http_streams_active", "protocol=\"sse\"") == 0.0);
      assertThat(Scrape.of(s.server).value("streamkit_http_errors_total", "protocol=\"sse\"", "code=\"CANCELLED\""))
          .isEqualTo(1.0);
    }
  }
}
