package io.streamkit.server;

import static io.streamkit.server.PushFixtures.event;
import static io.streamkit.server.PushFixtures.live;
import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GET /metrics of a server driven over real Netty, read line by line as Prometheus would. */
class MetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static LoopbackServer withMetrics() {
    return LoopbackServer.start(b -> b.metricsPort(0));
  }

  @Test
  void chatStreamsAreCountedPerRpcAndMessagesPerRouteAndTheActiveGaugeFallsBackToZero() throws Exception {
    try (LoopbackServer s = withMetrics()) {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> chat = StreamServiceGrpc.newStub(s.channel).chat(replies);
      for (int i = 0; i < 3; i++) {
        chat.onNext(msg("m-" + i, "echo", "ping " + i));
      }
      chat.onNext(msg("x", "no-such-route", "lost"));
      replies.awaitValues(4, WAIT);

      Scrape open = Scrape.of(s.server);
      assertThat(open.value("streamkit_streams_active", "rpc=\"chat\"")).isEqualTo(1.0);
      assertThat(open.value("streamkit_streams_active", "rpc=\"subscribe\"")).isEqualTo(0.0);

      chat.onCompleted();
      assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
      await().atMost(WAIT).until(() ->
          Scrape.of(s.server).value("streamkit_streams_active", "rpc=\"chat\"") == 0.0);

      Scrape after = Scrape.of(s.server);
      assertThat(after.value("streamkit_messages_total", "route=\"echo\"", "direction=\"in\"")).isEqualTo(3.0);
      assertThat(after.value("streamkit_messages_total", "route=\"echo\"", "direction=\"out\"")).isEqualTo(3.0);
      assertThat(after.value("streamkit_message_bytes_total", "route=\"echo\"", "direction=\"in\""))
          .isEqualTo(3.0 * msg("m-0", "echo", "ping 0").getSerializedSize());
      assertThat(after.value("streamkit_messages_total", "route=\"_unrouted\"", "direction=\"in\"")).isEqualTo(1.0);
      assertThat(after.value("streamkit_messages_total", "route=\"_other\"", "direction=\"out\""))
          .as("the error reply to the unknown route").isEqualTo(1.0);
      assertThat(after.count("streamkit_rpc_errors_total", "rpc=\"chat\"")).isZero();
    }
  }

  @Test
  void greeterMessagesAreCountedUnderTheGreeterRpcAndRoute() throws Exception {
    try (LoopbackServer s = withMetrics()) {
      RecordingObserver<MessageResponse> replies = new RecordingObserver<>();
      StreamObserver<MessageRequest> chat = GreeterGrpc.newStub(s.channel).chat(replies);
      chat.onNext(MessageRequest.newBuilder().setContent("hello").build());
      chat.onCompleted();
      assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);

      await().atMost(WAIT).untilAsserted(() -> {
        Scrape m = Scrape.of(s.server);
        assertThat(m.value("streamkit_streams_active", "rpc=\"greeter\"")).isEqualTo(0.0);
        assertThat(m.value("streamkit_messages_total", "route=\"greeter\"", "direction=\"in\"")).isEqualTo(1.0);
        assertThat(m.value("streamkit_messages_total", "route=\"greeter\"", "direction=\"out\"")).isEqualTo(1.0);
      });
    }
  }

  @Test
  void eventsArePublishedAndDeliveredPerTopicAndTheirLatencyIsInTheHistogram() throws Exception {
    try (LoopbackServer s = withMetrics()) {
      RecordingObserver<Event> events = PushFixtures.subscribe(s.channel, live("news"));
      await().atMost(WAIT).until(() ->
          Scrape.of(s.server).count("streamkit_topic_subscribers", "topic=\"news\"") == 1.0);

      RecordingObserver<PublishAck> ack = PushFixtures.publish(s.channel,
          List.of(event("news", "a"), event("news", "bb"), event("news", "ccc")));
      assertThat(ack.values.get(0).getCount()).isEqualTo(3);
      s.server.broker().publish("news", ByteString.copyFromUtf8("from the application"), Map.of()).join();
      events.awaitValues(4, WAIT);

      // A delivery is counted once the sink took it, which may be just after the client read it.
      await().atMost(WAIT).until(() ->
          Double.valueOf(4.0).equals(
              Scrape.of(s.server).value("streamkit_topic_delivered_events_total", "topic=\"news\"")));
      Scrape m = Scrape.of(s.server);
      assertThat(m.value("streamkit_topic_published_events_total", "topic=\"news\"")).isEqualTo(4.0);
      assertThat(m.value("streamkit_topic_published_bytes_total", "topic=\"news\"")).isEqualTo(1 + 2 + 3 + 20.0);
      assertThat(m.value("streamkit_topic_delivered_events_total", "topic=\"news\"")).isEqualTo(4.0);
      long wire = events.values.stream().mapToLong(Event::getSerializedSize).sum();
      assertThat(m.value("streamkit_topic_delivered_bytes_total", "topic=\"news\"")).isEqualTo((double) wire);
      // The latency is sampled: the subscription's first event, then one in 16.
      assertThat(m.value("streamkit_publish_to_deliver_seconds_count")).isEqualTo(1.0);
      assertThat(m.value("streamkit_publish_to_deliver_seconds_bucket", "le=\"+Inf\"")).isEqualTo(1.0);
      assertThat(m.value("streamkit_publish_to_deliver_seconds_bucket", "le=\"0.001\"")).isNotNull();
      assertThat(m.value("streamkit_publish_to_deliver_seconds_bucket", "le=\"10.0\"")).isEqualTo(1.0);
      assertThat(m.value("streamkit_publish_to_deliver_seconds_sum")).isPositive().isLessThan(10.0);

      for (int i = 0; i < 16; i++) {
        s.server.broker().publish("news", ByteString.copyFromUtf8("more"), Map.of()).join();
      }
      events.awaitValues(20, WAIT);
      await().atMost(WAIT).until(() ->
          Double.valueOf(20.0).equals(
              Scrape.of(s.server).value("streamkit_topic_delivered_events_total", "topic=\"news\"")));
      assertThat(Scrape.of(s.server).value("streamkit_publish_to_deliver_seconds_count")).isEqualTo(2.0);
      assertThat(m.value("streamkit_streams_active", "rpc=\"subscribe\"")).isEqualTo(1.0);
      assertThat(m.value("streamkit_streams_active", "rpc=\"publish\"")).isEqualTo(0.0);
      assertThat(m.value("streamkit_subscriber_lag_max", "topic=\"news\"")).isEqualTo(0.0);
    }
  }

  @Test
  void streamsEndedWithAnErrorAreCountedByRpcAndStatusCode() throws Exception {
    try (LoopbackServer s = withMetrics()) {
      RecordingObserver<Event> empty = new RecordingObserver<>();
      StreamServiceGrpc.newStub(s.channel).subscribe(SubscribeRequest.getDefaultInstance(), empty);
      assertThat(empty.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      RecordingObserver<PublishAck> bad = PushFixtures.publish(s.channel, List.of(event("not ok!", "x")));
      assertThat(bad.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      RecordingObserver<Message> cancelled = new RecordingObserver<>();
      StreamServiceGrpc.newStub(s.channel).chat(cancelled).onError(new RuntimeException("client gives up"));

      await().atMost(WAIT).untilAsserted(() -> {
        Scrape m = Scrape.of(s.server);
        assertThat(m.value("streamkit_rpc_errors_total", "rpc=\"subscribe\"", "code=\"INVALID_ARGUMENT\""))
            .isEqualTo(1.0);
        assertThat(m.value("streamkit_rpc_errors_total", "rpc=\"publish\"", "code=\"INVALID_ARGUMENT\""))
            .isEqualTo(1.0);
        assertThat(m.value("streamkit_rpc_errors_total", "rpc=\"chat\"", "code=\"CANCELLED\"")).isEqualTo(1.0);
        assertThat(m.value("streamkit_streams_active", "rpc=\"chat\"")).isEqualTo(0.0);
      });
      assertThat(Scrape.of(s.server).value("streamkit_topic_published_events_total", "topic=\"not ok!\""))
          .as("a rejected topic name gets no meters").isNull();
    }
  }

  @Test
  void aStalledSubscriberShowsItsLagAndIsCountedWhenEndedForBeingTooSlow() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.metricsPort(0).inMemoryBroker(m -> m.maxSubscriberLag(1000)))) {
      ManagedChannel slowChannel =
          NettyChannelBuilder.forAddress("127.0.0.1", s.server.port()).usePlaintext()
              .flowControlWindow(64 * 1024) // a small window: the stall shows after a few dozen events
              .build();
      try {
        ClientCall<SubscribeRequest, Event> slow =
            slowChannel.newCall(StreamServiceGrpc.getSubscribeMethod(), CallOptions.DEFAULT);
        SlowSubscriberTest.Stalled stalled = new SlowSubscriberTest.Stalled();
        slow.start(stalled, new Metadata());
        slow.sendMessage(SubscribeRequest.newBuilder().addTopics(live("ticks")).build());
        slow.halfClose(); // and never slow.request(n) until the end
        await().atMost(WAIT).until(() ->
            Scrape.of(s.server).count("streamkit_topic_subscribers", "topic=\"ticks\"") == 1.0);

        ByteString kib = ByteString.copyFrom(new byte[1024]);
        for (int i = 0; i < 500; i++) {
          s.server.broker().publish("ticks", kib, Map.of()).join();
        }
        // The transport takes what fits its buffers and windows (tens of KiB); the rest is lag.
        assertThat(Scrape.of(s.server).value("streamkit_subscriber_lag_max", "topic=\"ticks\""))
            .isGreaterThan(300.0).isLessThanOrEqualTo(500.0);
        assertThat(Scrape.of(s.server).value("streamkit_subscribers_ended_slow_total")).isEqualTo(0.0);

        for (int i = 0; i < 1000; i++) {
          s.server.broker().publish("ticks", kib, Map.of()).join();
        }
        await().atMost(WAIT).until(() ->
            Scrape.of(s.server).value("streamkit_subscribers_ended_slow_total") == 1.0);
        slow.request(Integer.MAX_VALUE); // read now: what was in flight, then the status
        await().atMost(WAIT).until(() -> stalled.status != null);
        assertThat(stalled.status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        await().atMost(WAIT).untilAsserted(() -> {
          Scrape m = Scrape.of(s.server);
          assertThat(m.value("streamkit_rpc_errors_total", "rpc=\"subscribe\"", "code=\"RESOURCE_EXHAUSTED\""))
              .isEqualTo(1.0);
          assertThat(m.value("streamkit_topic_subscribers", "topic=\"ticks\"")).isEqualTo(0.0);
          assertThat(m.value("streamkit_streams_active", "rpc=\"subscribe\"")).isEqualTo(0.0);
        });
      } finally {
        slowChannel.shutdownNow();
      }
    }
  }

  @Test
  void theMetersOfATopicAreRemovedOnceTheBrokerFreedIt() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.metricsPort(0).inMemoryBroker(m -> m.historyMaxAge(Duration.ofMillis(200))))) {
      io.grpc.Context.CancellableContext subscriber = io.grpc.Context.current().withCancellation();
      // The subscription holds the topic (in the broker and in the metrics) while it is open.
      RecordingObserver<Event> held = subscriber.call(() -> PushFixtures.subscribe(s.channel, live("short-lived")));
      await().atMost(WAIT).until(() ->
          Scrape.of(s.server).count("streamkit_topic_subscribers", "topic=\"short-lived\"") == 1.0);
      s.server.broker().publish("short-lived", ByteString.copyFromUtf8("x"), Map.of()).join();
      held.awaitValues(1, WAIT);
      assertThat(Scrape.of(s.server).value("streamkit_topic_published_events_total", "topic=\"short-lived\""))
          .isEqualTo(1.0);

      subscriber.cancel(null);
      // Retention drops the event, the broker frees the topic, and a later scrape drops its series.
      await().atMost(WAIT).until(() -> !Scrape.of(s.server).body.contains("topic=\"short-lived\""));
    }
  }

  @Test
  void jvmMetricsAreServedInThePrometheusTextFormat() throws Exception {
    try (LoopbackServer s = withMetrics()) {
      Scrape m = Scrape.of(s.server);
      assertThat(m.status).isEqualTo(200);
      assertThat(m.contentType).startsWith("text/plain; version=0.0.4");
      assertThat(m.body).contains("# TYPE streamkit_streams_active gauge");
      assertThat(m.value("jvm_memory_used_bytes", "area=\"heap\"")).isPositive();
      assertThat(m.value("jvm_threads_live_threads")).isPositive();
      assertThat(m.value("jvm_classes_loaded_classes")).isPositive();
      assertThat(m.value("system_cpu_count")).isPositive();
      assertThat(m.value("process_uptime_seconds")).isNotNull();
      assertThat(m.body).contains("jvm_gc_");

      Scrape elsewhere = Scrape.get(s.server.metricsPort(), "/");
      assertThat(elsewhere.status).isEqualTo(404);
      assertThat(elsewhere.body).contains("GET /metrics");
    }
  }

  @Test
  void withoutAMetricsPortNothingIsServedAndTheBrokerIsNotWrapped() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      assertThat(s.server.metricsPort()).isEqualTo(-1);
      assertThat(s.server.broker()).isInstanceOf(io.streamkit.server.broker.InMemoryBroker.class);
    }
  }

  @Test
  void theEndpointStopsWithTheServer() throws Exception {
    LoopbackServer s = withMetrics();
    int port = s.server.metricsPort();
    assertThat(Scrape.get(port, "/metrics").status).isEqualTo(200);
    s.close();
    assertThatThrownBy(() -> Scrape.get(port, "/metrics")).isInstanceOf(ConnectException.class);
  }

  @Test
  void anApplicationRegistryGetsTheMetersWithoutAnEndpointAndLosesThemWhenTheServerCloses() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (LoopbackServer s = LoopbackServer.start(b -> b.meterRegistry(registry))) {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> chat = StreamServiceGrpc.newStub(s.channel).chat(replies);
      chat.onNext(msg("m", "echo", "ping"));
      chat.onCompleted();
      assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);

      assertThat(s.server.metricsPort()).isEqualTo(-1);
      assertThat(registry.get("streamkit.messages").tags("route", "echo", "direction", "in").counter().count())
          .isEqualTo(1.0);
      assertThat(registry.find("jvm.memory.used").meters()).as("JVM metrics are the application's choice").isEmpty();
    }
    assertThat(registry.find("streamkit.messages").meters()).isEmpty();
    assertThat(registry.find("streamkit.streams.active").meters()).isEmpty();
  }

  @Test
  void withAPortAndAnApplicationRegistryBothGetTheMeters() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (LoopbackServer s = LoopbackServer.start(b -> b.metricsPort(0).meterRegistry(registry))) {
      s.server.broker().publish("both", ByteString.copyFromUtf8("x"), Map.of()).join();

      assertThat(Scrape.of(s.server).value("streamkit_topic_published_events_total", "topic=\"both\""))
          .isEqualTo(1.0);
      assertThat(registry.get("streamkit.topic.published.events").tags("topic", "both").counter().count())
          .isEqualTo(1.0);
    }
    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void aBadMetricsPortIsRejectedNamingTheFieldAndTheValue() {
    assertThatThrownBy(() -> StreamKitServer.builder().metricsPort(70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metricsPort: 70000")
        .hasMessageContaining("expected: -1 for no endpoint, 0 for a free port, or 1 to 65535");
  }
}
