package io.streamkit.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** Publishes with PublishEvent over Connect JSON, as a page would, straight to a server's HTTP port. */
final class WebPublisher {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String url;

  WebPublisher(int httpPort) {
    this.url = "http://127.0.0.1:" + httpPort + "/streamkit.v1.StreamService/PublishEvent";
  }

  /** Publishes {@code text} to {@code topic}; fails unless the server acknowledged it. */
  void publish(String topic, String text) throws Exception {
    String payload = Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"topic\":\"" + topic + "\",\"payload\":\"" + payload + "\"}"))
        .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError("PublishEvent to " + topic + " failed: " + response.statusCode() + " " + response.body());
    }
  }
}
