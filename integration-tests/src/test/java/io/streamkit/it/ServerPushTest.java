package io.streamkit.it;

import io.streamkit.testing.TestThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.SubscribeOptions;
import io.streamkit.client.Subscription;
import io.streamkit.client.SubscriptionHandle;
import io.streamkit.client.SubscriptionListener;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import io.streamkit.testing.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Resuming subscriptions and the EventPublisher against the real server, in this JVM. */
class ServerPushTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  final Closer closer = new Closer();

  private StreamKitServer server(StreamKitServer.Builder builder) {
    return closer.add(builder.settings(o -> o.host("127.0.0.1").port(0)).build().start());
  }

  private StreamKitClient client(int port) {
    return closer.add(StreamKitClient.builder().target("127.0.0.1:" + port).build());
  }

  private static void publish(StreamKitServer server, String topic, int count, int payloadBytes) {
    for (int i = 0; i < count; i++) {
      server.broker().publish(topic, ByteString.copyFrom(new byte[payloadBytes]), Map.of()).join();
    }
  }

  private static List<Long> take(Subscription s, int count) throws Exception {
    List<Long> offsets = new ArrayList<>();
    while (offsets.size() < count) {
      offsets.add(s.next(WAIT).getOffset());
    }
    return offsets;
  }

  private static List<Long> oneTo(long n) {
    List<Long> expected = new ArrayList<>();
    for (long i = 1; i <= n; i++) {
      expected.add(i);
    }
    return expected;
  }

  @Test
  void blockingIteratorReceivesOneThousandContiguousEvents() throws Exception {
    StreamKitServer server = server(StreamKitServer.builder());
    publish(server, "news", 1000, 16);
    StreamKitClient client = client(server.port());
    List<Long> offsets = new ArrayList<>();
    try (Subscription s = client.subscribe(List.of(TopicStart.oldest("news")))) {
      for (Event e : s) {
        offsets.add(e.getOffset());
        if (offsets.size() == 1000) {
          break;
        }
      }
      assertThat(s.position("news").afterOffset()).isEqualTo(1000);
    }
    assertThat(offsets).isEqualTo(oneTo(1000));
  }

  @Test
  void droppedConnectionIsResumedWithNoLossAndNoDuplicate() throws Exception {
    StreamKitServer server = server(StreamKitServer.builder());
    TcpProxy proxy = closer.add(new TcpProxy(server.port()));
    StreamKitClient client = client(proxy.port());
    int total = 2000;
    server.broker().publish("orders", ByteString.copyFromUtf8("first"), Map.of()).join();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread publisher = new Thread(() -> {
      try {
        for (int i = 2; i <= total; i++) {
          server.broker().publish("orders", ByteString.copyFromUtf8("e" + i), Map.of()).join();
          if (i % 100 == 0) {
            Thread.sleep(20);
          }
        }
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    List<Long> offsets = new ArrayList<>();
    try (Subscription s = client.subscribe(List.of(TopicStart.oldest("orders")))) {
      publisher.start();
      offsets.addAll(take(s, 300));
      proxy.dropConnections();
      offsets.addAll(take(s, 700));
      proxy.dropConnections();
      offsets.addAll(take(s, total - 1000));
    }
    TestThreads.join(java.time.Duration.ofSeconds(30), publisher);
    assertThat(failure.get()).isNull();
    assertThat(offsets).isEqualTo(oneTo(total));
  }

  @Test
  void subscriberEndedAsTooSlowResumesAndGetsEveryEventExactlyOnce() throws Exception {
    StreamKitServer server =
        server(StreamKitServer.builder().inMemoryBroker(m -> m.maxSubscriberLag(50).historyMaxEvents(100_000)));
    server.broker().publish("feed", ByteString.copyFromUtf8("first"), Map.of()).join();
    StreamKitClient resumingClient = client(server.port());
    StreamKitClient plainClient = client(server.port());
    try (Subscription resuming = resumingClient.subscribe(List.of(TopicStart.oldest("feed")));
        Subscription plain = plainClient.subscribe(List.of(TopicStart.oldest("feed")),
            ReconnectPolicy.disabled())) {
      assertThat(resuming.next(WAIT).getOffset()).isEqualTo(1);
      assertThat(plain.next(WAIT).getOffset()).isEqualTo(1);
      publish(server, "feed", 499, 8 * 1024); // ~4 MB: more than the transport buffers, so both lag
      // Without reconnect the server's verdict is final:
      assertThatThrownBy(() -> take(plain, 499))
          .isInstanceOfSatisfying(StreamKitException.class, e -> {
            assertThat(e.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.status().getDescription()).contains("too slow");
          });
      List<Long> offsets = new ArrayList<>(List.of(1L));
      offsets.addAll(take(resuming, 499));
      assertThat(offsets).isEqualTo(oneTo(500));
      assertThatThrownBy(() -> resuming.next(Duration.ofMillis(200)))
          .isInstanceOf(java.util.concurrent.TimeoutException.class);
    }
  }

  @Test
  void resumingAfterAnOffsetRetentionDroppedReportsTheGapThenTheOldestRetainedEvent() throws Exception {
    StreamKitServer server = server(StreamKitServer.builder().inMemoryBroker(m -> m.historyMaxEvents(10)));
    String epoch = server.broker().publish("log", ByteString.EMPTY, Map.of()).join().epoch();
    publish(server, "log", 29, 16);
    StreamKitClient client = client(server.port());
    SubscribeOptions strict = SubscribeOptions.builder().stopOnDiscontinuity().build();
    try (Subscription s = client.subscribe(List.of(TopicStart.after("log", 5, epoch)), strict)) {
      assertThatThrownBy(() -> s.next(WAIT)).isInstanceOfSatisfying(
          io.streamkit.client.SubscriptionGapException.class, gap -> {
            assertThat(gap.isReset()).isFalse();
            assertThat(gap.expectedOffset()).isEqualTo(6);
            assertThat(gap.actualOffset()).isEqualTo(21);
          });
      assertThat(take(s, 10)).isEqualTo(List.of(21L, 22L, 23L, 24L, 25L, 26L, 27L, 28L, 29L, 30L));
    }
  }

  @Test
  void aBadTopicIsRejectedByTheClientWithTheServersMessageBeforeAnythingIsSent() {
    // The server's own rejection (INVALID_ARGUMENT, not retried) is covered by the server's SubscribeTest.
    assertThatThrownBy(() -> TopicStart.oldest("no spaces"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(io.streamkit.server.broker.Topics.problem("no spaces"));
  }

  @Test
  void listenerReceivesEventsInOrderAndCancelEndsItWithCancelled() throws Exception {
    StreamKitServer server = server(StreamKitServer.builder());
    publish(server, "calls", 100, 16);
    StreamKitClient client = client(server.port());
    List<Long> offsets = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch hundred = new CountDownLatch(100);
    AtomicReference<StreamKitException> error = new AtomicReference<>();
    CountDownLatch ended = new CountDownLatch(1);
    SubscriptionHandle handle = client.subscribe(List.of(TopicStart.oldest("calls")),
        new SubscriptionListener() {
          @Override
          public void onEvent(Event event) {
            offsets.add(event.getOffset());
            hundred.countDown();
          }

          @Override
          public void onError(StreamKitException e) {
            error.set(e);
            ended.countDown();
          }
        });
    assertThat(hundred.await(10, TimeUnit.SECONDS)).isTrue();
    handle.cancel();
    assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(error.get().status().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(offsets).isEqualTo(oneTo(100));
    assertThat(handle.position("calls")).isEqualTo(TopicStart.after("calls", 100, offsetsEpoch(server)));
  }

  private static String offsetsEpoch(StreamKitServer server) {
    return server.broker().publish("calls", ByteString.EMPTY, Map.of()).join().epoch();
  }

  @Test
  void publisherPublishesOneThousandAndCompleteReturnsCountAndLastOffsets() throws Exception {
    StreamKitServer server = server(StreamKitServer.builder());
    StreamKitClient client = client(server.port());
    PublishAck ack;
    try (EventPublisher publisher = client.publisher()) {
      for (int i = 0; i < 1000; i++) {
        publisher.publish(i % 2 == 0 ? "even" : "odd", ByteString.copyFromUtf8("n" + i));
      }
      ack = publisher.complete();
    }
    assertThat(ack.getCount()).isEqualTo(1000);
    assertThat(ack.getLastOffsetsMap()).isEqualTo(Map.of("even", 500L, "odd", 500L));
  }

  @Test
  void aBadTopicIsRejectedAtThePublishWithTheServersMessageAndThePublisherGoesOn() throws Exception {
    StreamKitServer server = server(StreamKitServer.builder());
    StreamKitClient client = client(server.port());
    try (EventPublisher publisher = client.publisher()) {
      publisher.publish("fine", ByteString.copyFromUtf8("1"));
      assertThatThrownBy(() -> publisher.publish("not ok!", ByteString.copyFromUtf8("2")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(io.streamkit.server.broker.Topics.problem("not ok!"));
      publisher.publish("fine", ByteString.copyFromUtf8("3"));
      assertThat(publisher.complete().getCount()).isEqualTo(2);
    }
  }
}
