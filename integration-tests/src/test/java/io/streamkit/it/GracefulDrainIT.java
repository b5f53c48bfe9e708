package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Event;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.SubscribeOptions;
import io.streamkit.client.Subscription;
import io.streamkit.client.SubscriptionGapException;
import io.streamkit.client.TopicStart;
import io.streamkit.testing.ServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM on a real server process while a publisher and a reconnecting subscriber are busy: acknowledged
 * events all reach the subscriber, the process exits 0 within grace + 5 s, and the subscriber moves on to the
 * next server (here the same port, restarted), which it reports as a reset because the in-memory history went
 * with the process.
 */
class GracefulDrainIT {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration GRACE = Duration.ofSeconds(2);

  /** The client's channel may still be backing off from the refused connections: retry until it connects. */
  private static void publishOnceReachable(StreamKitClient client, String payload) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try (EventPublisher next = client.publisher()) {
        next.publish("orders", ByteString.copyFromUtf8(payload));
        next.complete();
        return;
      } catch (StreamKitException e) {
        if (e.status().getCode() != io.grpc.Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  @Test
  void sigtermDrainsWithEveryAcknowledgedEventDeliveredAndExitsZeroWithinGracePlusFiveSeconds() throws Exception {
    try (ServerProcess server = ServerProcess.start("--shutdown-grace", "2s");
        StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build()) {
      ReconnectPolicy quick = ReconnectPolicy.builder().maxDelay(Duration.ofMillis(200)).build();
      SubscribeOptions strict = SubscribeOptions.builder().reconnectPolicy(quick).stopOnDiscontinuity().build();
      try (Subscription subscription = client.subscribe(List.of(TopicStart.oldest("orders")), strict)) {
        AtomicLong acked = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<StreamKitException> publisher = CompletableFuture.supplyAsync(() -> {
          while (!stop.get()) {
            try (EventPublisher batch = client.publisher()) {
              for (int i = 0; i < 5; i++) {
                batch.publish("orders", ByteString.copyFromUtf8("order"));
              }
              acked.addAndGet(batch.complete().getCount()); // all 5, or an exception: never a partial ack
            } catch (StreamKitException e) {
              return e; // the server is draining or gone: new Publish streams are refused
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return null;
            }
          }
          return null;
        });
        // Bounded, and failing at once when the publisher ended early (it would never reach 100 then).
        long ackDeadline = System.nanoTime() + WAIT.toNanos();
        while (acked.get() < 100) {
          if (publisher.isDone()) {
            throw new AssertionError("the publisher ended after " + acked.get() + " acknowledged events, before "
                + "the drain: " + publisher.get());
          }
          if (System.nanoTime() > ackDeadline) {
            throw new AssertionError("100 acknowledged events before the drain: only " + acked.get() + " within "
                + WAIT);
          }
          Thread.sleep(10);
        }

        long start = System.nanoTime();
        int exitCode = server.stop(GRACE.plusSeconds(10));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        stop.set(true);
        StreamKitException publisherEnd = publisher.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(exitCode).isZero();
        assertThat(took).isLessThan(GRACE.plusSeconds(5));
        assertThat(server.output()).contains("StreamKit server stopped");
        if (publisherEnd != null) {
          assertThat(publisherEnd.status().getCode()).isIn(
              io.grpc.Status.Code.UNAVAILABLE, io.grpc.Status.Code.UNKNOWN, io.grpc.Status.Code.CANCELLED);
        }

        long total = acked.get();
        List<Long> offsets = new ArrayList<>();
        String epoch = null;
        while (offsets.size() < total) {
          Event e = subscription.next(WAIT);
          offsets.add(e.getOffset());
          epoch = e.getEpoch();
        }
        for (int i = 0; i < total; i++) {
          assertThat(offsets.get(i)).isEqualTo(i + 1L);
        }

        // The subscriber reconnects to the next server by itself; the lost history is reported, not hidden.
        server.startAgain();
        String oldEpoch = epoch;
        publishOnceReachable(client, "after restart");
        // Strict mode: exactly one discontinuity, the reset from the old epoch, thrown once before the first
        // event of the new epoch. A gap, a second reset, or a new-epoch event without the reset fails.
        Event after = null;
        int resets = 0;
        long deadline = System.nanoTime() + WAIT.multipliedBy(2).toNanos();
        while (after == null) {
          assertThat(System.nanoTime()).as("the first event of the restarted server within %s (resets seen: %d)",
              WAIT.multipliedBy(2), resets).isLessThan(deadline);
          try {
            Event e = subscription.next(WAIT);
            assertThat(e).as("the subscription ended").isNotNull();
            if (!e.getEpoch().equals(oldEpoch)) {
              after = e;
            } else {
              // Old-epoch events here were published but not acknowledged before the drain: allowed, before the
              // reset only, and each at the next offset.
              assertThat(resets).as("an old-epoch event after the reset").isZero();
              assertThat(e.getOffset()).isEqualTo(offsets.get(offsets.size() - 1) + 1);
              offsets.add(e.getOffset());
            }
          } catch (SubscriptionGapException gap) {
            assertThat(gap.isReset()).as("a discontinuity other than the reset: %s", gap.getMessage()).isTrue();
            assertThat(gap.oldEpoch()).isEqualTo(oldEpoch);
            resets++;
          }
        }
        assertThat(resets).as("resets reported before the first event of the new epoch").isEqualTo(1);
        assertThat(after.getPayload().toStringUtf8()).isEqualTo("after restart");
        assertThat(after.getOffset()).isEqualTo(1);
      }
    }
  }
}
