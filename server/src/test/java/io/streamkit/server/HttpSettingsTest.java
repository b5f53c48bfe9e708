package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpSettingsTest {

  @Test
  void theHttpPortIsOffByDefaultAndTheDefaultsAreDocumented() {
    HttpSettings d = ServerSettings.builder().build().http();

    assertThat(d.enabled()).isFalse();
    assertThat(d.port()).isEqualTo(-1);
    assertThat(d.console()).isTrue();
    assertThat(d.corsOrigins()).isEmpty();
    assertThat(d.sseHeartbeat()).isEqualTo(Duration.ofSeconds(15));
    assertThat(d.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(d.maxConnections()).isEqualTo(10_000);
  }

  @Test
  void settersNameTheFieldTheValueAndWhatWasExpected() {
    HttpSettings.Builder b = HttpSettings.builder();

    assertThatThrownBy(() -> b.port(70000)).hasMessage(
        "httpPort: 70000 (expected: -1 for none, 0 for a free port, or 1 to 65535)");
    assertThatThrownBy(() -> b.corsOrigins(List.of("app.example/x"))).hasMessageStartingWith(
        "corsOrigins: 'app.example/x' (expected: scheme://host[:port]");
    assertThatThrownBy(() -> b.sseHeartbeat(Duration.ofMillis(10))).hasMessage(
        "sseHeartbeat: PT0.01S (expected: a duration >= 1s)");
    assertThatThrownBy(() -> b.maxConnections(0)).hasMessage("httpMaxConnections: 0 (expected: > 0)");
    assertThatThrownBy(() -> ServerSettings.builder().http(null)).hasMessageStartingWith("http: null");
  }

  @Test
  void originsAreKeptAsBrowsersSendThemAndSurviveToBuilder() {
    HttpSettings s = HttpSettings.builder().port(0).corsOrigins(List.of("HTTPS://App.Example:8443", "*")).build();

    assertThat(s.corsOrigins()).containsExactly("https://app.example:8443", "*");
    assertThat(s.toBuilder().build().corsOrigins()).isEqualTo(s.corsOrigins());
    assertThat(ServerSettings.builder().http(s).build().toBuilder().build().http().port()).isZero();
  }
}
