package io.streamkit.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.server.LoopbackServer;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ConsoleTest {

  @Test
  void theConsoleIsServedFromTheJarWithItsScriptAndStylesAndNothingFromOutside() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> page = web.get("/", Map.of());
      HttpResponse<String> script = web.get("/console/console.js", Map.of());
      HttpResponse<String> styles = web.get("/console/console.css", Map.of());

      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
      assertThat(page.headers().firstValue("content-security-policy").orElseThrow()).contains("default-src 'self'");
      assertThat(page.body()).contains("<script src=\"/console/console.js\">").doesNotContain("https://",
          "http://");
      assertThat(script.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
      assertThat(script.body()).contains("new EventSource('/v1/events?'", "streamkit.v1.StreamService/PublishEvent",
          "grpc.health.v1.Health/Check");
      assertThat(styles.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void withTheConsoleOffItsPagesAndStatusAre404ButTheProtocolsAreServed() throws Exception {
    try (LoopbackServer s = WebServers.start(h -> h.console(false), b -> {})) {
      WebClient web = new WebClient(s.server.httpPort());

      assertThat(web.get("/", Map.of()).statusCode()).isEqualTo(404);
      assertThat(web.get("/v1/topics", Map.of()).statusCode()).isEqualTo(404);
      assertThat(web.postJson("/streamkit.v1.StreamService/PublishEvent", "{\"topic\":\"t\"}").statusCode())
          .isEqualTo(200);
      assertThat(s.server.broker().getClass().getSimpleName()).isEqualTo("InMemoryBroker"); // not wrapped
    }
  }
}
