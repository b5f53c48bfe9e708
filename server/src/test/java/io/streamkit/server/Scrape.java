package io.streamkit.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/** One GET /metrics of a server, read the way a user reads it: by metric name and labels. */
public final class Scrape {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public final int status;
  public final String contentType;
  public final String body;

  private Scrape(HttpResponse<String> response) {
    this.status = response.statusCode();
    this.contentType = response.headers().firstValue("Content-Type").orElse("");
    this.body = response.body();
  }

  public static Scrape get(int port, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).GET().build();
    return new Scrape(HTTP.send(request, HttpResponse.BodyHandlers.ofString()));
  }

  public static Scrape of(StreamKitServer server) throws Exception {
    return get(server.metricsPort(), "/metrics");
  }

  /**
   * The value of the sample {@code name} whose labels include every {@code "key=\"value\""} given, or null when
   * there is none; e.g. {@code value("streamkit_streams_active", "rpc=\"chat\"")}.
   */
  public Double value(String name, String... labels) {
    Set<String> wanted = new HashSet<>(Arrays.asList(labels));
    for (String line : body.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(name)) {
        continue;
      }
      String rest = line.substring(name.length());
      Set<String> have = new HashSet<>();
      if (rest.startsWith("{")) {
        int end = rest.indexOf('}');
        have.addAll(Arrays.asList(rest.substring(1, end).split(",")));
        rest = rest.substring(end + 1);
      }
      if (!rest.startsWith(" ") || !have.containsAll(wanted)) {
        continue;
      }
      return Double.parseDouble(rest.trim().split(" ")[0]);
    }
    return null;
  }

  /** Like {@link #value} but 0 when the sample is absent (a counter that never moved may not exist yet). */
  public double count(String name, String... labels) {
    Double v = value(name, labels);
    return v == null ? 0 : v;
  }
}
