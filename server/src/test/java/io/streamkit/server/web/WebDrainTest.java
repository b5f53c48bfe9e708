package io.streamkit.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.streamkit.server.LoopbackServer;
import java.io.InputStream;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class WebDrainTest {

  @Test
  void closeLetsEventStreamsGoOnForTheGracePeriodThenEndsThemWithShuttingDown() throws Exception {
    LoopbackServer s = WebServers.start(h -> {}, b -> b.settings(o -> o.shutdownGracePeriod(Duration.ofMillis(1500))));
    WebClient web = new WebClient(s.server.httpPort());
    try (InputStream in = web.stream("/v1/events?topic=live", Map.of()).body()) {
      assertThat(WebClient.readEvent(in)).contains(": subscribed");
      long start = System.nanoTime();
      CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> s.server.close());
      Thread.sleep(300);
      s.server.broker().publish("live", ByteString.copyFromUtf8("during the grace period"), Map.of()).join();

      String during = WebClient.readEvent(in);
      String end = WebClient.readEvent(in);
      while (end != null && end.startsWith(":")) {
        end = WebClient.readEvent(in);
      }

      assertThat(during).contains("\"topic\":\"live\"");
      assertThat(end).startsWith("event: error").contains("\"code\":\"unavailable\"", "SERVER_SHUTTING_DOWN");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
      closing.get(20, TimeUnit.SECONDS);
      assertThat(WebClient.readEvent(in)).isNull();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> web.get("/v1/topics", Map.of())))
            .isInstanceOf(ConnectException.class));
    s.close();
  }
}
