package io.streamkit.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import io.streamkit.server.broker.InMemoryBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

/**
 * Streams opened and closed in a loop, {@code reliability.churn} of each kind (10,000 in every build, 100,000
 * with {@code -P reliability}): afterwards no stream is registered and the heap after GC is back within 10%
 * of where it was.
 */
class ChurnTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** Streams in flight at once: enough to overlap opens and closes, few enough to stay under every limit. */
  private static final int IN_FLIGHT = 200;

  private static int churn() {
    return Integer.getInteger("reliability.churn", 10_000);
  }

  @Test
  void chatAndSubscribeStreamsOpenedAndClosedInALoopLeaveNoStreamAndNoHeapBehind() throws Exception {
    int n = churn();
    try (Loopback loopback = Loopback.start()) {
      ManagedChannel channel = loopback.newChannel();
      // Warm-up: the first streams load classes and grow Netty's pools; the baseline is taken after them.
      churnChat(channel, 1_000);
      churnSubscribe(channel, loopback, 1_000);
      await().atMost(WAIT).until(() -> loopback.server.stats().openStreams() == 0);
      long before = JvmFigures.heapAfterGc();
      long t0 = System.nanoTime();

      churnChat(channel, n);
      churnSubscribe(channel, loopback, n);

      long seconds = Math.max(1, (System.nanoTime() - t0) / 1_000_000_000L);
      await().atMost(WAIT).until(() -> loopback.server.stats().openStreams() == 0);
      InMemoryBroker broker = (InMemoryBroker) loopback.server.broker();
      assertThat(broker.subscriberCount("churn")).isZero();
      long after = JvmFigures.heapAfterGc();
      System.out.printf("churn: %,d Chat + %,d Subscribe streams in %d s; heap after GC %,d KiB before, %,d KiB "
          + "after (%+.1f%%); open streams %d%n", n, n, seconds, before / 1024, after / 1024,
          100.0 * (after - before) / before, loopback.server.stats().openStreams());
      assertThat(after).as("heap after GC, bytes (before: %d)", before).isLessThanOrEqualTo((long) (before * 1.10));
    }
  }

  /** Each stream: open, one echo round trip, half-close, wait for OK. */
  private static void churnChat(ManagedChannel channel, int n) throws Exception {
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int i = 0; i < n; i++) {
      if (!inFlight.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new AssertionError("no stream of " + IN_FLIGHT + " in flight ended within 30 s (stream " + i + " of "
            + n + "; failures so far: " + failures + ")");
      }
      ClientCall<Message, Message> call = channel.newCall(StreamServiceGrpc.getChatMethod(), CallOptions.DEFAULT);
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onClose(Status status, Metadata trailers) {
          if (!status.isOk()) {
            failures.add(status.toString());
          }
          inFlight.release();
        }
      }, new Metadata());
      call.request(1);
      call.sendMessage(Message.newBuilder().setId("c" + i).setRoute("echo").build());
      call.halfClose();
    }
    inFlight.acquire(IN_FLIGHT);
    assertThat(failures).isEmpty();
  }

  /** Each stream: subscribe, receive one event, cancel. A publisher keeps the topic busy meanwhile. */
  private static void churnSubscribe(ManagedChannel channel, Loopback loopback, int n) throws Exception {
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    SubscribeRequest request = SubscribeRequest.newBuilder()
        // From the oldest retained event, so each stream has an event at once.
        .addTopics(TopicSubscription.newBuilder().setTopic("churn").setAfterOffset(0)).build();
    loopback.server.broker().publish("churn", ByteString.copyFromUtf8("e"), Map.of()).join();
    for (int i = 0; i < n; i++) {
      if (!inFlight.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new AssertionError("no stream of " + IN_FLIGHT + " in flight ended within 30 s (stream " + i + " of "
            + n + "; failures so far: " + failures + ")");
      }
      ClientCall<SubscribeRequest, Event> call =
          channel.newCall(StreamServiceGrpc.getSubscribeMethod(), CallOptions.DEFAULT);
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(Event event) {
          call.cancel("got one", null);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          if (status.getCode() != Status.Code.CANCELLED) {
            failures.add(status.toString());
          }
          inFlight.release();
        }
      }, new Metadata());
      call.request(1);
      call.sendMessage(request);
      call.halfClose();
      if (i % 1000 == 0) {
        loopback.server.broker().publish("churn", ByteString.copyFromUtf8("e" + i), Map.of()).join();
      }
    }
    inFlight.acquire(IN_FLIGHT);
    assertThat(failures).isEmpty();
  }
}
