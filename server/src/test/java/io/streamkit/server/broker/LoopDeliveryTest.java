package io.streamkit.server.broker;

import io.streamkit.testing.TestThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Delivery from each sink's own executor (the server's: its connection's event loop). */
class LoopDeliveryTest {

  @Test
  void subscribersThatNameAnExecutorGetEveryEventInOrderOnItsThreadAndOthersOnThePublishers() throws Exception {
    ExecutorService loopA = Executors.newSingleThreadExecutor(r -> new Thread(r, "loop-a"));
    ExecutorService loopB = Executors.newSingleThreadExecutor(r -> new Thread(r, "loop-b"));
    try (InMemoryBroker broker = InMemoryBroker.builder().build()) {
      List<RecordingSink> onA = List.of(new RecordingSink(loopA), new RecordingSink(loopA));
      RecordingSink onB = new RecordingSink(loopB);
      RecordingSink direct = new RecordingSink(null);
      for (RecordingSink r : List.of(onA.get(0), onA.get(1), onB, direct)) {
        broker.subscribe("t", Position.live(), r);
      }
      Thread publisher = new Thread(() -> {
        for (int i = 0; i < 2_000; i++) {
          broker.publish("t", ByteString.copyFromUtf8("p" + i), Map.of()).join();
        }
      }, "publisher");
      publisher.start();
      TestThreads.join(java.time.Duration.ofSeconds(30), publisher);

      List<Long> all = LongStream.rangeClosed(1, 2_000).boxed().toList();
      for (RecordingSink r : List.of(onA.get(0), onA.get(1), onB, direct)) {
        await().atMost(Duration.ofSeconds(10)).until(() -> r.events.size() == 2_000);
        assertThat(r.events).extracting(TopicEvent::offset).containsExactlyElementsOf(all);
      }
      assertThat(onA.get(0).threads).containsExactly("loop-a");
      assertThat(onA.get(1).threads).containsExactly("loop-a");
      assertThat(onB.threads).containsExactly("loop-b");
      assertThat(direct.threads).containsExactly("publisher");
    } finally {
      loopA.shutdownNow();
      loopB.shutdownNow();
    }
  }

  @Test
  void anExecutorThatRejectsTasksIsDeliveredFromThePublishersThread() throws Exception {
    Executor shutDown = task -> {
      throw new RejectedExecutionException("shutting down");
    };
    try (InMemoryBroker broker = InMemoryBroker.builder().build()) {
      RecordingSink r = new RecordingSink(shutDown);
      broker.subscribe("t", Position.live(), r);
      for (int i = 0; i < 3; i++) {
        broker.publish("t", ByteString.copyFromUtf8("p" + i), Map.of()).join();
      }
      assertThat(r.events).extracting(TopicEvent::offset).containsExactly(1L, 2L, 3L);
      assertThat(r.threads).containsExactly(Thread.currentThread().getName());
    }
  }

  @Test
  void aCancelledSubscriptionLeavesItsLane() throws Exception {
    ExecutorService loop = Executors.newSingleThreadExecutor();
    try (InMemoryBroker broker = InMemoryBroker.builder().build()) {
      RecordingSink r = new RecordingSink(loop);
      BrokerSubscription s = broker.subscribe("t", Position.live(), r);
      broker.publish("t", ByteString.copyFromUtf8("a"), Map.of()).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> r.events.size() == 1);
      s.cancel();
      broker.publish("t", ByteString.copyFromUtf8("b"), Map.of()).join();
      loop.submit(() -> { }).get(10, java.util.concurrent.TimeUnit.SECONDS); // the lane's task, if any, ran before this one
      assertThat(r.events).hasSize(1);
      assertThat(broker.subscriberCount("t")).isZero();
    } finally {
      loop.shutdownNow();
    }
  }
}
