package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.client.EventTracing;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import io.streamkit.server.broker.redis.RedisBroker;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import io.streamkit.testing.RedisProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Traces from publisher to subscriber, recorded by the OpenTelemetry SDK's in-memory exporter: real servers in
 * this JVM (one SDK each, told apart by {@code service.name}), real clients, and for the last case two servers on
 * one real redis-server. Each case checks the parent and child links span by span, not only the trace id.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TracingTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("service.name");

  @RegisterExtension
  final Closer closer = new Closer();

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final List<OpenTelemetrySdk> sdks = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeSdks() {
    sdks.forEach(OpenTelemetrySdk::close);
  }

  /** One process's SDK: every span it ends goes to {@link #spans} at once, under {@code service.name}. */
  private OpenTelemetrySdk sdk(String service) {
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(
                io.opentelemetry.api.common.Attributes.of(SERVICE, service))))
            .addSpanProcessor(SimpleSpanProcessor.create(spans))
            .build())
        .build();
    sdks.add(sdk);
    return sdk;
  }

  private StreamKitServer server(StreamKitServer.Builder builder) {
    return closer.add(builder.settings(o -> o.host("127.0.0.1").port(0)).build().start());
  }

  private StreamKitClient client(int port, OpenTelemetrySdk sdk) {
    StreamKitClient.Builder b = StreamKitClient.builder().target("127.0.0.1:" + port);
    if (sdk != null) {
      b.openTelemetry(sdk);
    }
    return closer.add(b.build());
  }

  /** The one ended span named {@code name} of {@code service}, waiting for it. */
  private SpanData span(String service, String name) {
    return await().atMost(WAIT).until(() -> spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(name) && service.equals(s.getResource().getAttribute(SERVICE)))
        .toList(), found -> found.size() == 1).get(0);
  }

  private static void assertChild(SpanData child, SpanData parent) {
    assertThat(child.getTraceId()).as(child.getName() + "'s trace").isEqualTo(parent.getTraceId());
    assertThat(child.getParentSpanId()).as(child.getName() + "'s parent").isEqualTo(parent.getSpanId());
  }

  /**
   * The subscriber subscribes to {@code topic}; the publisher publishes one event in its span {@code root}; the
   * subscriber takes the event and processes it in a span that continues the publisher's trace (as README shows).
   */
  private static Event publishAndProcess(StreamKitClient publisher, OpenTelemetrySdk publisherSdk, String root,
      StreamKitClient subscriber, OpenTelemetrySdk subscriberSdk, String topic) throws Exception {
    try (Subscription s = subscriber.subscribe(List.of(TopicStart.oldest(topic)))) {
      Span span = publisherSdk.getTracer("test").spanBuilder(root).startSpan();
      try (Scope ignored = span.makeCurrent()) {
        publisher.publish(topic, ByteString.copyFromUtf8("one event")).join();
      } finally {
        span.end();
      }
      Event event = s.next(WAIT);
      subscriberSdk.getTracer("test").spanBuilder("process " + event.getTopic())
          .setParent(EventTracing.context(event))
          .setSpanKind(SpanKind.CONSUMER)
          .startSpan()
          .end();
      return event;
    }
  }

  @Test
  void aPublishAndItsSubscriberAreOneTraceFromClientToClient() throws Exception {
    OpenTelemetrySdk serverSdk = sdk("server");
    OpenTelemetrySdk publisherSdk = sdk("publisher");
    OpenTelemetrySdk subscriberSdk = sdk("subscriber");
    StreamKitServer server = server(StreamKitServer.builder().openTelemetry(serverSdk));
    StreamKitClient publisher = client(server.port(), publisherSdk);
    StreamKitClient subscriber = client(server.port(), subscriberSdk);

    Event event = publishAndProcess(publisher, publisherSdk, "checkout", subscriber, subscriberSdk, "orders");

    SpanData checkout = span("publisher", "checkout");
    SpanData clientPublish = span("publisher", "publish orders");
    SpanData serverPublish = span("server", "publish orders");
    SpanData subscribe = span("server", "Subscribe");
    SpanData deliver = span("server", "deliver orders");
    SpanData processed = span("subscriber", "process orders");
    assertChild(clientPublish, checkout);
    assertThat(clientPublish.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertChild(serverPublish, clientPublish);
    assertThat(serverPublish.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(serverPublish.getAttributes().get(AttributeKey.longKey("streamkit.offset"))).isEqualTo(1L);
    // The event carries the server's publish span, not the client's: the broker step is in the chain.
    assertThat(event.getHeadersMap().get("traceparent")).contains(serverPublish.getSpanId());
    assertChild(deliver, serverPublish);
    assertThat(deliver.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(deliver.getLinks()).extracting(LinkData::getSpanContext).extracting(SpanContext::getSpanId)
        .containsExactly(subscribe.getSpanId());
    assertChild(processed, serverPublish);
  }

  /** Records, in the handler, the trace context its StreamContext gives it; replies and publishes. */
  private static final class TracedHandler implements MessageHandler {
    final List<SpanContext> seen = new CopyOnWriteArrayList<>();

    @Override
    public String route() {
      return "traced";
    }

    @Override
    public void onMessage(StreamContext context, Message message) {
      seen.add(Span.fromContext(context.traceContext()).getSpanContext());
      context.publish("audit", message.getPayload(), Map.of()).join();
      context.reply(message, Message.newBuilder().setPayload(message.getPayload()).build());
    }
  }

  @Test
  void aChatOrCallMessagesTraceparentIsTheParentOfTheHandlersSpan() throws Exception {
    OpenTelemetrySdk serverSdk = sdk("server");
    TracedHandler handler = new TracedHandler();
    StreamKitServer server = server(StreamKitServer.builder().openTelemetry(serverSdk).handler(handler));
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String callerSpan = "00f067aa0ba902b7";
    Map<String, String> headers = Map.of("traceparent", "00-" + traceId + "-" + callerSpan + "-01");

    // Chat, from a client without tracing: the traceparent the application put in the message's headers.
    StreamKitClient plain = client(server.port(), null);
    plain.call("traced", ByteString.copyFromUtf8("one"), headers).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    SpanData chat = span("server", "Chat traced");
    assertThat(chat.getTraceId()).isEqualTo(traceId);
    assertThat(chat.getParentSpanId()).isEqualTo(callerSpan);
    assertThat(chat.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(handler.seen.get(0).getSpanId()).as("the span the handler's context gives").isEqualTo(chat.getSpanId());
    assertChild(span("server", "publish audit"), chat);

    // Call, the unary RPC.
    spans.reset();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    closer.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    StreamServiceGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
        .call(Message.newBuilder().setRoute("traced").setId("2").putAllHeaders(headers).build());
    SpanData call = span("server", "Call traced");
    assertThat(call.getTraceId()).isEqualTo(traceId);
    assertThat(call.getParentSpanId()).isEqualTo(callerSpan);
    assertThat(handler.seen.get(1).getSpanId()).isEqualTo(call.getSpanId());

    // A traced client's call: its own span is the parent.
    spans.reset();
    StreamKitClient traced = client(server.port(), sdk("caller"));
    traced.call("traced", ByteString.copyFromUtf8("three")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    SpanData clientCall = span("caller", "call traced");
    assertThat(clientCall.getKind()).isEqualTo(SpanKind.CLIENT);
    assertChild(span("server", "Chat traced"), clientCall);
  }

  @Test
  void oneTraceCrossesTwoServerInstancesOnOneRedis() throws Exception {
    RedisProcess redis = closer.add(RedisProcess.start(false));
    RedisBroker brokerA = closer.add(RedisBroker.builder().uri(redis.uri()).build());
    RedisBroker brokerB = closer.add(RedisBroker.builder().uri(redis.uri()).build());
    StreamKitServer a = server(StreamKitServer.builder().broker(brokerA).openTelemetry(sdk("a")));
    StreamKitServer b = server(StreamKitServer.builder().broker(brokerB).openTelemetry(sdk("b")));
    OpenTelemetrySdk publisherSdk = sdk("publisher");
    OpenTelemetrySdk subscriberSdk = sdk("subscriber");
    StreamKitClient publisher = client(a.port(), publisherSdk);
    StreamKitClient subscriber = client(b.port(), subscriberSdk);

    Event event = publishAndProcess(publisher, publisherSdk, "pay", subscriber, subscriberSdk, "payments");
    assertThat(event.getPayload().toStringUtf8()).isEqualTo("one event");

    SpanData pay = span("publisher", "pay");
    SpanData clientPublish = span("publisher", "publish payments");
    SpanData publishOnA = span("a", "publish payments");
    SpanData deliverOnB = span("b", "deliver payments");
    SpanData processed = span("subscriber", "process payments");
    assertChild(clientPublish, pay);
    assertChild(publishOnA, clientPublish);
    assertChild(deliverOnB, publishOnA);
    assertThat(deliverOnB.getLinks()).extracting(LinkData::getSpanContext).extracting(SpanContext::getSpanId)
        .containsExactly(span("b", "Subscribe").getSpanId());
    assertChild(processed, publishOnA);
    assertThat(spans.getFinishedSpanItems()).as("no instance but B delivers")
        .noneMatch(sp -> sp.getName().startsWith("deliver") && "a".equals(sp.getResource().getAttribute(SERVICE)));
  }
}
