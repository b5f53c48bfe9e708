package io.streamkit.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.server.LoopbackServer;
import io.streamkit.server.security.Authorizer;
import io.streamkit.server.security.BearerTokenAuthenticator;
import io.streamkit.server.security.Principal;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP port asks the server's own Authenticator and Authorizer. */
@Timeout(60)
class WebAuthTest {

  private static LoopbackServer start() {
    return WebServers.start(h -> {}, b -> b.authenticator(BearerTokenAuthenticator.of(Map.of("s3cret", "alice")))
        .authorizer(new Authorizer() {
          @Override
          public boolean mayPublish(Optional<Principal> principal, String topic) {
            return !topic.startsWith("admin.");
          }
        }));
  }

  @Test
  void aCallWithoutATokenIsUnauthenticatedAndWithTheHeaderItPasses() throws Exception {
    try (LoopbackServer s = start()) {
      WebClient web = new WebClient(s.server.httpPort());
      String path = "/streamkit.v1.StreamService/PublishEvent";

      HttpResponse<String> anonymous = web.postJson(path, "{\"topic\":\"t\"}");
      HttpResponse<byte[]> bearer = web.post(path, "application/json", "{\"topic\":\"t\"}".getBytes(),
          Map.of("Authorization", "Bearer s3cret"));
      HttpResponse<byte[]> denied = web.post(path, "application/json", "{\"topic\":\"admin.x\"}".getBytes(),
          Map.of("Authorization", "Bearer s3cret"));

      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.body()).contains("unauthenticated", "missing bearer token");
      assertThat(bearer.statusCode()).isEqualTo(200);
      assertThat(denied.statusCode()).isEqualTo(403);
      assertThat(new String(denied.body())).contains("principal 'alice'", "may not publish to topic 'admin.x'");
    }
  }

  @Test
  void eventSourceStreamsAuthenticateWithTheAccessTokenParameter() throws Exception {
    try (LoopbackServer s = start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> refused = web.get("/v1/events?topic=t", Map.of());
      HttpResponse<String> wrong = web.get("/v1/events?topic=t&access_token=nope", Map.of());
      HttpResponse<InputStream> ok = web.stream("/v1/events?topic=t&access_token=s3cret", Map.of());

      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(wrong.body()).contains("unknown bearer token").doesNotContain("nope");
      assertThat(ok.statusCode()).isEqualTo(200);
      ok.body().close();
    }
  }
}
