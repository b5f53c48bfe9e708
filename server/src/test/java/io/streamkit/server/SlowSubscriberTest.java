package io.streamkit.server;

import static io.streamkit.server.PushFixtures.live;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlowSubscriberTest {
  private static final int EVENTS = 5_000;
  private static final ByteString KIB = ByteString.copyFrom(new byte[1024]);

  /** A subscriber that reads everything and keeps only counts (so the test's own heap stays flat). */
  static final class Counting implements io.grpc.stub.StreamObserver<Event> {
    volatile long count;
    volatile long lastOffset;
    volatile boolean contiguous = true;
    volatile Status status;

    @Override
    public void onNext(Event e) {
      if (e.getOffset() != lastOffset + 1) {
        contiguous = false;
      }
      lastOffset = e.getOffset();
      count++;
    }

    @Override
    public void onError(Throwable t) {
      status = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {
      status = Status.OK;
    }
  }

  /** A subscriber that never asks for events. */
  static final class Stalled extends ClientCall.Listener<Event> {
    volatile Metadata trailers;
    volatile Status status;

    @Override
    public void onClose(Status status, Metadata trailers) {
      this.trailers = trailers;
      this.status = status;
    }
  }

  @Test
  void aSubscriberThatDoesNotReadIsEndedWhileTheOthersReceiveEverythingAndHeapStaysBounded() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.inMemoryBroker(m -> m.maxSubscriberLag(2000)).inMemoryBroker(m -> m.historyMaxEvents(4000)))) {
      // The stalled subscriber is another client, on its own connection: on a shared HTTP/2 connection its
      // unread bytes would hold the connection's flow-control window and stall its siblings on the client side.
      io.grpc.ManagedChannel slowChannel = io.grpc.netty.NettyChannelBuilder
          .forAddress("127.0.0.1", s.server.port()).usePlaintext().build();
      ClientCall<SubscribeRequest, Event> slow =
          slowChannel.newCall(StreamServiceGrpc.getSubscribeMethod(), CallOptions.DEFAULT);
      Stalled stalled = new Stalled();
      slow.start(stalled, new Metadata());
      slow.sendMessage(SubscribeRequest.newBuilder().addTopics(live("news")).build());
      slow.halfClose(); // and never slow.request(n)

      List<Counting> fast = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        Counting counting = new Counting();
        StreamServiceGrpc.newStub(s.channel)
            .subscribe(SubscribeRequest.newBuilder().addTopics(live("news")).build(), counting);
        fast.add(counting);
      }
      PushFixtures.awaitOpenStreams(s.server, 11);
      await().atMost(Duration.ofSeconds(10)).until(() ->
          ((io.streamkit.server.broker.InMemoryBroker) s.server.broker()).subscriberCount("news") == 11);
      long heapBefore = usedHeapAfterGc();

      for (int i = 0; i < EVENTS; i++) {
        s.server.broker().publish("news", KIB, Map.of()).join();
        if (i % 20 == 19) {
          // A producer paced by the readers that keep up (never more than 500 events ahead of the slowest of
          // them, whatever the machine's load), so only the stalled subscriber can reach the 2,000 lag limit.
          int published = i + 1;
          await().atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(1))
              .until(() -> fast.stream().allMatch(f -> f.count >= published - 500 || f.status != null));
        }
      }

      for (Counting events : fast) {
        await().atMost(Duration.ofSeconds(30)).until(() -> events.count >= EVENTS || events.status != null);
        assertThat(events.status).as("a fast subscriber is not ended").isNull();
        assertThat(events.count).isEqualTo(EVENTS);
        assertThat(events.lastOffset).isEqualTo(EVENTS);
        assertThat(events.contiguous).isTrue();
      }
      long heapGrowth = usedHeapAfterGc() - heapBefore;
      // 5 MiB went to each of 10 fast subscribers; the retained history is 4 MiB; the stalled subscriber
      // holds no copy of anything.
      assertThat(heapGrowth).isLessThan(64L << 20);

      slow.request(Integer.MAX_VALUE); // read now: what was in flight, then the status
      await().atMost(Duration.ofSeconds(10)).until(() -> stalled.status != null);
      assertThat(stalled.status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(stalled.status.getDescription()).contains("subscriber too slow").contains("resume after offset");
      com.google.rpc.ErrorInfo reason = Reasons.errorInfo(stalled.status, stalled.trailers);
      assertThat(reason.getReason()).isEqualTo("SUBSCRIBER_TOO_SLOW");
      assertThat(reason.getMetadataMap()).containsKeys("topic", "epoch", "resume_after_offset");
      slowChannel.shutdownNow();
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
