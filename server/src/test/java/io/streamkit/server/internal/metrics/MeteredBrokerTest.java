package io.streamkit.server.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.TopicEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The metered broker counts around the broker and changes nothing else: every SPI call reaches the delegate. */
@Timeout(20)
class MeteredBrokerTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ServerMetrics metrics = ServerMetrics.create("127.0.0.1", -1, registry);

  @AfterEach
  void close() {
    metrics.close();
  }

  /** Records how the broker delivered: through offer, or through isReady and onEvent; and on which executor. */
  static final class RecordingSink implements EventSink {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger tasks = new AtomicInteger();
    final Executor executor = task -> {
      tasks.incrementAndGet();
      task.run();
    };

    @Override
    public boolean isReady() {
      calls.add("isReady");
      return true;
    }

    @Override
    public void onEvent(TopicEvent event) {
      calls.add("onEvent " + event.offset());
    }

    @Override
    public boolean offer(TopicEvent event) {
      calls.add("offer " + event.offset());
      return true;
    }

    @Override
    public Executor executor() {
      return executor;
    }

    @Override
    public void onEnd(Status status) {
      calls.add("onEnd " + status.getCode());
    }
  }

  @Test
  void deliveriesReachTheSinksOwnOfferOnTheSinksExecutorAndAreCounted() {
    try (InMemoryBroker memory = InMemoryBroker.builder().build()) {
      Broker metered = metrics.instrument(memory);
      RecordingSink sink = new RecordingSink();
      BrokerSubscription subscription = metered.subscribe("t", Position.live(), sink);

      metered.publish("t", ByteString.copyFromUtf8("x"), Map.of()).join();

      await().atMost(Duration.ofSeconds(5)).until(() -> sink.calls.contains("offer 1"));
      assertThat(sink.calls).containsExactly("offer 1");
      assertThat(sink.tasks).as("delivered from the sink's executor").hasPositiveValue();
      assertThat(registry.get("streamkit.topic.delivered.events").tag("topic", "t").counter().count())
          .isEqualTo(1.0);
      subscription.cancel();
    }
  }

  @Test
  void availabilityIsTheDelegatesAndCloseReachesIt() {
    AtomicInteger closes = new AtomicInteger();
    Broker down = new Broker() {
      @Override
      public CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers) {
        return CompletableFuture.failedFuture(Status.UNAVAILABLE.asException());
      }

      @Override
      public BrokerSubscription subscribe(String topic, Position position, EventSink sink) {
        throw new UnsupportedOperationException("not used here");
      }

      @Override
      public void watchAvailability(AvailabilityListener listener) {
        listener.onAvailability(false, "Redis at redis://10.0.0.5:6379 is unreachable");
      }

      @Override
      public void close() {
        closes.incrementAndGet();
      }
    };
    List<String> seen = new CopyOnWriteArrayList<>();
    Broker metered = metrics.instrument(down);

    metered.watchAvailability((available, reason) -> seen.add(available + " " + reason));
    metered.close();

    assertThat(seen).containsExactly("false Redis at redis://10.0.0.5:6379 is unreachable");
    assertThat(closes).hasValue(1);
  }
}
