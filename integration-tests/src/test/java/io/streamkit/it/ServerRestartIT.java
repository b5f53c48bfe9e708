package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
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
import org.junit.jupiter.api.Test;

/** A subscription survives a server process killed with SIGKILL and restarted on the same port. */
class ServerRestartIT {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static void publish(StreamKitClient client, String topic, int count) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try (EventPublisher publisher = client.publisher()) {
        for (int i = 0; i < count; i++) {
          publisher.publish(topic, ByteString.copyFromUtf8("n" + i));
        }
        assertThat(publisher.complete().getCount()).isEqualTo(count);
        return;
      } catch (StreamKitException e) {
        // The channel may still be on the killed server's connection, or reconnecting: retry the whole
        // batch, which is safe here because a batch failing that way stored nothing (the server was gone).
        boolean connectionLost = e.status().getCode() == Status.Code.UNAVAILABLE
            || e.status().getCause() instanceof java.io.IOException;
        if (!connectionLost || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  @Test
  void killedAndRestartedServerIsReportedAsResetThenNewEpochEventsArriveOnce() throws Exception {
    try (ServerProcess server = ServerProcess.start();
        StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build()) {
      publish(client, "alerts", 100);
      // Capped at 500 ms so the test does not wait out the default 5 s backoff while the server restarts.
      ReconnectPolicy quick = ReconnectPolicy.builder().maxDelay(Duration.ofMillis(500)).build();
      SubscribeOptions strict = SubscribeOptions.builder().reconnectPolicy(quick).stopOnDiscontinuity().build();
      try (Subscription s = client.subscribe(List.of(TopicStart.oldest("alerts")), strict)) {
        String oldEpoch = null;
        for (long i = 1; i <= 100; i++) {
          Event e = s.next(WAIT);
          assertThat(e.getOffset()).isEqualTo(i);
          oldEpoch = e.getEpoch();
        }
        server.kill();
        server.startAgain();
        publish(client, "alerts", 50);

        String expectedOld = oldEpoch;
        assertThatThrownBy(() -> s.next(WAIT))
            .isInstanceOfSatisfying(SubscriptionGapException.class, gap -> {
              assertThat(gap.isReset()).isTrue();
              assertThat(gap.topic()).isEqualTo("alerts");
              assertThat(gap.oldEpoch()).isEqualTo(expectedOld);
              assertThat(gap.newEpoch()).isNotEqualTo(expectedOld);
              assertThat(gap.actualOffset()).isEqualTo(1);
            });
        List<Long> offsets = new ArrayList<>();
        String newEpoch = null;
        for (int i = 0; i < 50; i++) {
          Event e = s.next(WAIT);
          offsets.add(e.getOffset());
          newEpoch = e.getEpoch();
        }
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= 50; i++) {
          expected.add(i);
        }
        assertThat(offsets).isEqualTo(expected);
        assertThat(newEpoch).isNotEqualTo(oldEpoch);
        assertThatThrownBy(() -> s.next(Duration.ofMillis(300)))
            .isInstanceOf(java.util.concurrent.TimeoutException.class);
      }
    }
  }
}
