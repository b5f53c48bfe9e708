package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import io.streamkit.server.broker.redis.RedisBroker;
import io.streamkit.testing.RedisProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Grafana dashboard (docs/grafana/streamkit-dashboard.json) cannot silently break: every metric name its PromQL
 * queries use must be served by a running server. Two servers are scraped, as operators run them: one with the
 * in-memory broker (which reports subscriber lag) and one with a Redis broker on a real redis-server (which can be
 * unavailable); Chat, Subscribe and Publish traffic and a failed call make every series appear.
 */
@Timeout(180)
class GrafanaDashboardTest {
  private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "streamkit-dashboard.json");
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void everyMetricTheDashboardQueriesIsServed() throws Exception {
    TreeMap<String, String> used = metricsUsed(JsonParser.parseString(Files.readString(DASHBOARD)).getAsJsonObject());
    assertThat(used.keySet()).as("metric names found in the dashboard's queries")
        .contains("streamkit_streams_active", "streamkit_publish_to_deliver_seconds_bucket",
            "streamkit_broker_available", "jvm_memory_used_bytes")
        .hasSizeGreaterThan(15);

    Set<String> served = new TreeSet<>();
    try (RedisProcess redis = RedisProcess.start(false);
        RedisBroker redisBroker = RedisBroker.builder().uri(redis.uri()).commandTimeout(Duration.ofSeconds(2)).build();
        StreamKitServer inMemory = server(StreamKitServer.builder());
        StreamKitServer onRedis = server(StreamKitServer.builder().broker(redisBroker))) {
      for (StreamKitServer server : List.of(inMemory, onRedis)) {
        exercise(server);
        served.addAll(sampleNames(scrape(server)));
      }
    }
    for (var query : used.entrySet()) {
      assertThat(served).as("metric %s of the dashboard query%n  %s%nin a scrape of a running server",
          query.getKey(), query.getValue()).contains(query.getKey());
    }
  }

  @Test
  void theRedisPanelsMetricAndTheHealthFollowRedis() throws Exception {
    try (RedisProcess redis = RedisProcess.start(false);
        RedisBroker redisBroker = RedisBroker.builder().uri(redis.uri()).commandTimeout(Duration.ofSeconds(1)).build();
        StreamKitServer server = server(StreamKitServer.builder().broker(redisBroker))) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        await("available").atMost(WAIT).until(() -> brokerAvailable(server), v -> v == 1.0);
        assertThat(health(channel)).isEqualTo(ServingStatus.SERVING);
        redis.kill();
        await("unavailable once Redis is killed").atMost(WAIT).until(() -> brokerAvailable(server), v -> v == 0.0);
        // With metrics on, the broker the server sees is the metered wrapper: its health must still follow Redis.
        await("NOT_SERVING").atMost(WAIT).until(() -> health(channel), ServingStatus.NOT_SERVING::equals);
        redis.startAgain();
        await("available again").atMost(WAIT).until(() -> brokerAvailable(server), v -> v == 1.0);
        await("SERVING again").atMost(WAIT).until(() -> health(channel), ServingStatus.SERVING::equals);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void metricNamesAreReadFromPromQlAsPrometheusReadsThem() {
    assertThat(namesIn("sum by (rpc, code) (rate(streamkit_rpc_errors_total{instance=~\"$instance\", code!=\"OK\"}"
        + "[$__rate_interval]))")).containsExactly("streamkit_rpc_errors_total");
    assertThat(namesIn("histogram_quantile(0.99, sum by (le) (rate(a_bucket{x=\"sum(b)\"}[5m]))) / on (instance) "
        + "group_left (job) max without (id) (c_total offset 5m) > bool 0 and d"))
        .containsExactlyInAnyOrder("a_bucket", "c_total", "d");
    assertThat(namesIn("label_values(streamkit_streams_active, instance)")).containsExactly("streamkit_streams_active");
  }

  private static StreamKitServer server(StreamKitServer.Builder builder) {
    return builder.settings(o -> o.host("127.0.0.1").port(0).shutdownGracePeriod(Duration.ZERO))
        .metricsPort(0).build().start();
  }

  /** Chat, Subscribe and Publish traffic, delivered events and one failed call: every series the dashboard reads. */
  private static void exercise(StreamKitServer server) throws Exception {
    try (StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build()) {
      assertThat(client.call("echo", ByteString.copyFromUtf8("hi")).get(WAIT.toSeconds(), TimeUnit.SECONDS)
          .getPayload().toStringUtf8()).isEqualTo("hi");
      try (Subscription events = client.subscribe(List.of(TopicStart.oldest("dashboard")))) {
        try (EventPublisher publisher = client.publisher()) {
          for (int i = 0; i < 20; i++) {
            publisher.publish("dashboard", ByteString.copyFromUtf8("event " + i));
          }
          publisher.complete();
        }
        for (int i = 0; i < 20; i++) {
          assertThat(events.next(WAIT)).as("event %d", i).isNotNull();
        }
        // Read while the subscription is open: topic series leave with their last subscriber.
        await().atMost(WAIT).until(() -> sampleNames(scrape(server)).contains("streamkit_publish_to_deliver_seconds_bucket"));
      }
    }
    // The client checks topic names before sending, so the failed RPC that feeds the errors panel goes through the
    // generated stub.
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      SubscribeRequest invalid = SubscribeRequest.newBuilder()
          .addTopics(TopicSubscription.newBuilder().setTopic("not a topic!")).build();
      assertThatThrownBy(() -> StreamServiceGrpc.newBlockingStub(channel).subscribe(invalid).hasNext())
          .isInstanceOf(StatusRuntimeException.class)
          .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
              .isEqualTo(Status.Code.INVALID_ARGUMENT));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    // jvm_gc_pause_seconds appears only after a collection has been observed.
    System.gc();
    await().atMost(WAIT).until(() -> sampleNames(scrape(server)).contains("jvm_gc_pause_seconds_sum"));
  }

  /** Every metric name of the dashboard's panel queries and template variables, each with a query that uses it. */
  static TreeMap<String, String> metricsUsed(JsonObject dashboard) {
    TreeMap<String, String> used = new TreeMap<>();
    collectPanels(dashboard.getAsJsonArray("panels"), used);
    for (JsonElement variable : dashboard.getAsJsonObject("templating").getAsJsonArray("list")) {
      JsonElement query = variable.getAsJsonObject().get("query");
      if (variable.getAsJsonObject().get("type").getAsString().equals("query")) {
        String text = query.isJsonObject() ? query.getAsJsonObject().get("query").getAsString() : query.getAsString();
        namesIn(text).forEach(n -> used.putIfAbsent(n, text));
      }
    }
    return used;
  }

  private static void collectPanels(JsonArray panels, TreeMap<String, String> used) {
    for (JsonElement p : panels) {
      JsonObject panel = p.getAsJsonObject();
      if (panel.has("panels")) {
        collectPanels(panel.getAsJsonArray("panels"), used); // rows may hold their panels
      }
      if (panel.has("targets")) {
        for (JsonElement t : panel.getAsJsonArray("targets")) {
          String expr = t.getAsJsonObject().get("expr").getAsString();
          namesIn(expr).forEach(n -> used.putIfAbsent(n, expr));
        }
      }
    }
  }

  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "bool", "and", "or", "unless", "offset", "inf", "nan");

  /**
   * The metric names of one PromQL expression: identifiers that are not functions or aggregations (followed by
   * "("), keywords, label names (inside {} or a by/without/on/ignoring/group_x list), strings, ranges or
   * Grafana variables. For Grafana's {@code label_values(metric, label)}, the metric.
   */
  static Set<String> namesIn(String query) {
    Matcher labelValues = LABEL_VALUES.matcher(query);
    if (labelValues.find()) {
      return Set.of(labelValues.group(1));
    }
    String q = query.replaceAll("\"(?:\\\\.|[^\"\\\\])*\"", "\"\"")
        .replaceAll("\\{[^}]*}", " ")
        .replaceAll("\\[[^]]*]", " ")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
        .replaceAll("\\$\\w+", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(q);
    while (m.find()) {
      String word = m.group();
      boolean call = q.substring(m.end()).matches("(?s)\\s*\\(.*");
      boolean number = m.start() > 0 && Character.isDigit(q.charAt(m.start() - 1)); // the "e3" of 1e3
      if (!call && !number && !KEYWORDS.contains(word.toLowerCase())) {
        names.add(word);
      }
    }
    return names;
  }

  private static String scrape(StreamKitServer server) throws Exception {
    HttpResponse<String> response = HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** The names of the samples in a Prometheus text exposition. */
  private static Set<String> sampleNames(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        Matcher m = IDENTIFIER.matcher(line);
        if (m.lookingAt()) {
          names.add(m.group());
        }
      }
    }
    return names;
  }

  private static double brokerAvailable(StreamKitServer server) throws Exception {
    for (String line : scrape(server).split("\n")) {
      if (line.startsWith("streamkit_broker_available ")) {
        return Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    throw new AssertionError("no streamkit_broker_available sample");
  }

  private static ServingStatus health(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }
}
