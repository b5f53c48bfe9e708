package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Event;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.server.ConnectionSettings;
import io.streamkit.server.StreamKitServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Max connection age makes long-lived streams move to a new connection (what lets a load balancer rebalance
 * them); a resuming subscription goes on from where it was, with nothing lost or repeated.
 */
class ConnectionAgeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void aSubscriptionOutlivesSeveralMaxConnectionAgesWithEveryEventOnceAndInOrder() throws Exception {
    ConnectionSettings connection = ConnectionSettings.builder()
        .maxConnectionAge(Duration.ofSeconds(1))
        .maxConnectionAgeGrace(Duration.ofMillis(300))
        .build();
    try (StreamKitServer server =
            StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0).connection(connection)).build().start();
        StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build()) {
      ReconnectPolicy quick = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(20))
          .maxDelay(Duration.ofMillis(200)).build();
      int events = 200;
      try (Subscription s = client.subscribe(List.of(TopicStart.live("prices")), quick)) {
        awaitSubscribed(server);
        CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
          for (int i = 1; i <= events; i++) {
            server.broker().publish("prices", ByteString.copyFromUtf8("p" + i), Map.of()).join();
            sleep(20); // 200 events over about 4 s: four connection ages
          }
        });
        List<Long> offsets = new ArrayList<>();
        while (offsets.size() < events) {
          Event e = s.next(WAIT);
          offsets.add(e.getOffset());
        }
        publisher.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(offsets).containsExactlyElementsOf(oneTo(events));
        // Each move to a new connection is a new Subscribe stream on the server.
        assertThat(server.stats().streamsOpened()).isGreaterThanOrEqualTo(3);
      }
    }
  }

  private static void awaitSubscribed(StreamKitServer server) {
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> server.stats().openStreams() >= 1);
  }

  private static List<Long> oneTo(long n) {
    List<Long> expected = new ArrayList<>();
    for (long i = 1; i <= n; i++) {
      expected.add(i);
    }
    return expected;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
