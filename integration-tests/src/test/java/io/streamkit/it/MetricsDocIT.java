package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.testing.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * docs/METRICS.md against a live server: the jar run as a process with {@code --metrics-port} and
 * {@code --http-port}, driven through every kind of traffic the tables describe, then scraped. Every metric the
 * tables list is served with exactly the labels they name, every {@code streamkit_} series served is in the
 * tables, label values are the documented ones, and topics beyond the cap fold into {@code topic="_other"}.
 */
@Timeout(180)
class MetricsDocIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** A table row: | `name` | type | labels | meaning |. */
  private static final Pattern ROW = Pattern.compile("^\\| `(streamkit_[a-z_]+)` \\| (\\w+) \\|([^|]*)\\|");
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? \\S+$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final int TOPIC_CAP = 1_000;

  /** One documented metric: its name, type and label keys. */
  record Documented(String name, String type, Set<String> labels) {}

  /** One scraped sample: its name and labels. */
  record Sample(String name, Map<String, String> labels) {}

  static List<Documented> documented() throws Exception {
    List<Documented> rows = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("../docs/METRICS.md"))) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        Set<String> labels = new TreeSet<>();
        Matcher l = Pattern.compile("`(\\w+)`").matcher(m.group(3));
        while (l.find()) {
          labels.add(l.group(1));
        }
        rows.add(new Documented(m.group(1), m.group(2), labels));
      }
    }
    return rows;
  }

  /** The JVM and process names listed in the "JVM and process" section. */
  static List<String> documentedJvm() throws Exception {
    String doc = Files.readString(Path.of("../docs/METRICS.md"));
    String section = doc.substring(doc.indexOf("### JVM and process"), doc.indexOf("## Cost"));
    List<String> names = new ArrayList<>();
    Matcher m = Pattern.compile("`((?:jvm|system|process)_[a-z0-9_]+)`").matcher(section);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  static List<Sample> parse(String scrape) {
    List<Sample> samples = new ArrayList<>();
    for (String line : scrape.lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("a sample line: %s", line).isTrue();
      Map<String, String> labels = new TreeMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.add(new Sample(m.group(1), labels));
    }
    return samples;
  }

  /** The documented metric a served series belongs to: the histogram's _bucket/_count/_sum/_max fold into it. */
  static String family(String sampleName, Map<String, Documented> docs) {
    if (docs.containsKey(sampleName)) {
      return sampleName;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum", "_max")) {
      if (sampleName.endsWith(suffix)) {
        String base = sampleName.substring(0, sampleName.length() - suffix.length());
        if (docs.containsKey(base) && docs.get(base).type().equals("histogram")) {
          return base;
        }
      }
    }
    return null;
  }

  private static String scrape(int metricsPort) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).timeout(WAIT).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** Chat (routed, unrouted, Greeter), Call, Subscribe, Publish, PublishEvent, errors, the HTTP port. */
  private static void driveTraffic(ServerProcess server, int httpPort) throws Exception {
    try (StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build();
        Subscription live = client.subscribe(List.of(TopicStart.oldest("watched")))) {
      assertThat(client.call("echo", ByteString.copyFromUtf8("hi")).get(30, TimeUnit.SECONDS)
          .getPayload().toStringUtf8()).isEqualTo("hi");
      assertThat(client.call("no-such-route", ByteString.EMPTY).handle((r, e) -> e).get(30, TimeUnit.SECONDS))
          .isNotNull();
      for (int i = 0; i < 40; i++) {
        client.publish("watched", ByteString.copyFromUtf8("e" + i)).get(30, TimeUnit.SECONDS);
      }
      try (var publisher = client.publisher()) {
        publisher.publish("watched", ByteString.copyFromUtf8("streamed"));
        publisher.complete();
      }
      for (int i = 0; i < 41; i++) {
        live.next(WAIT);
      }
      // Topics past the cap: each one more topic with its own events.
      List<CompletableFuture<?>> acks = new ArrayList<>();
      for (int i = 0; i < TOPIC_CAP + 20; i++) {
        acks.add(client.publish("bulk-" + i, ByteString.copyFromUtf8("x")));
        if (acks.size() == 200) {
          CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
          acks.clear();
        }
      }
      CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
    }
    // An error status (INVALID_ARGUMENT on Subscribe) and the Greeter service, through a plain channel: the client
    // checks topic names before sending them.
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      var events = StreamServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
          .subscribe(SubscribeRequest.newBuilder().addTopics(TopicSubscription.newBuilder().setTopic("bad topic!"))
              .build());
      assertThat(org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, events::hasNext)
          .getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
      var greeter = io.streamkit.api.example.GreeterGrpc.newStub(channel);
      CompletableFuture<Void> done = new CompletableFuture<>();
      var requests = greeter.chat(new io.grpc.stub.StreamObserver<>() {
        @Override public void onNext(io.streamkit.api.example.MessageResponse r) {}

        @Override public void onError(Throwable t) {
          done.completeExceptionally(t);
        }

        @Override public void onCompleted() {
          done.complete(null);
        }
      });
      requests.onNext(io.streamkit.api.example.MessageRequest.newBuilder().setContent("hello").build());
      requests.onCompleted();
      done.get(30, TimeUnit.SECONDS);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    // The HTTP port: the console's topic list, and an unknown path (an error series).
    for (String path : List.of("/v1/topics", "/no/such/path")) {
      HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(WAIT).build(),
          HttpResponse.BodyHandlers.discarding());
    }
  }

  @Test
  void everyDocumentedMetricIsServedWithItsLabelsAndNothingUndocumentedIs() throws Exception {
    List<Documented> docs = documented();
    assertThat(docs).as("rows read from docs/METRICS.md").hasSizeGreaterThanOrEqualTo(18);
    Map<String, Documented> byName = new LinkedHashMap<>();
    docs.forEach(d -> byName.put(d.name(), d));
    int metricsPort = ServerProcess.freePort();
    int httpPort = ServerProcess.freePort();
    // A small young generation: a GC happens within the run, so the GC pause timer has its first sample.
    try (ServerProcess server = ServerProcess.start(List.of("-Xmn8m"), "--metrics-port",
        Integer.toString(metricsPort), "--http-port", Integer.toString(httpPort))) {
      driveTraffic(server, httpPort);

      Map<String, List<Sample>> served = new HashMap<>();
      Awaitility.await("every documented metric served").atMost(WAIT).pollInterval(Duration.ofMillis(500))
          .untilAsserted(() -> {
            served.clear();
            for (Sample s : parse(scrape(metricsPort))) {
              served.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(s);
            }
            List<String> missing = new ArrayList<>();
            for (Documented d : docs) {
              String name = d.type().equals("histogram") ? d.name() + "_count" : d.name();
              if (!served.containsKey(name)) {
                missing.add(name);
              }
            }
            for (String jvm : documentedJvm()) {
              if (served.keySet().stream().noneMatch(n -> n.equals(jvm) || n.startsWith(jvm + "_"))) {
                missing.add(jvm);
              }
            }
            assertThat(missing).as("documented but not served").isEmpty();
          });

      for (Map.Entry<String, List<Sample>> e : served.entrySet()) {
        if (!e.getKey().startsWith("streamkit_")) {
          continue;
        }
        String family = family(e.getKey(), byName);
        assertThat(family).as("served series %s is in docs/METRICS.md", e.getKey()).isNotNull();
        Set<String> expected = new TreeSet<>(byName.get(family).labels());
        if (e.getKey().endsWith("_bucket")) {
          expected.add("le");
        }
        for (Sample s : e.getValue()) {
          assertThat(s.labels().keySet()).as("labels of %s", s).isEqualTo(expected);
        }
      }

      Map<String, Set<String>> values = labelValues(served);
      assertThat(values.get("rpc")).isSubsetOf("chat", "greeter", "subscribe", "publish", "call", "publish_event",
          "health", "reflection", "unknown").contains("call", "subscribe", "publish", "publish_event", "greeter");
      assertThat(values.get("direction")).containsExactlyInAnyOrder("in", "out");
      assertThat(values.get("route")).contains("echo", "greeter", "_unrouted", "_other");
      assertThat(values.get("protocol")).isSubsetOf("connect", "grpc-web", "sse", "console", "other")
          .contains("console", "other");
      assertThat(values.get("code")).contains("INVALID_ARGUMENT");

      // The topic cap: at most 1,000 topics of their own, the rest under _other.
      List<Sample> published = served.get("streamkit_topic_published_events_total");
      Set<String> topics = new TreeSet<>();
      published.forEach(s -> topics.add(s.labels().get("topic")));
      assertThat(topics).contains("watched", "_other").hasSize(TOPIC_CAP + 1);
      double other = value(scrape(metricsPort), "streamkit_topic_published_events_total{topic=\"_other\"}");
      assertThat(other).as("events of the topics past the cap").isGreaterThanOrEqualTo(20);
    }
  }

  private static Map<String, Set<String>> labelValues(Map<String, List<Sample>> served) {
    Map<String, Set<String>> values = new HashMap<>();
    served.forEach((name, samples) -> {
      if (name.startsWith("streamkit_")) {
        samples.forEach(s -> s.labels().forEach(
            (k, v) -> values.computeIfAbsent(k, x -> new TreeSet<>()).add(v)));
      }
    });
    return values;
  }

  private static double value(String scrape, String series) {
    return scrape.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(
        l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
        .orElseThrow(() -> new AssertionError("no series " + series));
  }
}
