package io.streamkit.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.streamkit.server.LoopbackServer;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An EventSource that stops reading is ended by the broker's lag rule, never buffered without bound. */
@Timeout(120)
class SlowEventReaderTest {

  @Test
  void aReaderThatFallsTooFarBehindIsEndedWithSubscriberTooSlowAndTheOthersGoOn() throws Exception {
    try (LoopbackServer s = WebServers.start(h -> {}, b -> b.inMemoryBroker(m -> m.maxSubscriberLag(200)))) {
      WebClient web = new WebClient(s.server.httpPort());
      ByteString payload = ByteString.copyFrom(new byte[16 * 1024]);
      try (InputStream slow = web.stream("/v1/events?topic=firehose", Map.of()).body();
          InputStream other = web.stream("/v1/events?topic=calm", Map.of()).body()) {
        assertThat(WebClient.readEvent(slow)).contains(": subscribed");
        assertThat(WebClient.readEvent(other)).contains(": subscribed");

        // 2,000 events of 16 KiB (about 43 MiB as JSON) while the slow reader reads nothing: far more than the
        // socket buffers hold, so the stream stops being writable and falls behind.
        for (int i = 0; i < 2_000; i++) {
          s.server.broker().publish("firehose", payload, Map.of()).join();
        }
        s.server.broker().publish("calm", ByteString.copyFromUtf8("fine"), Map.of()).join();

        String calm;
        do {
          calm = WebClient.readEvent(other);
        } while (calm != null && !calm.contains("data: "));
        assertThat(calm).contains("\"topic\":\"calm\"");
        String block;
        int events = 0;
        do {
          block = WebClient.readEvent(slow);
          if (block != null && block.contains("data: ")) {
            events++;
          }
        } while (block != null && !block.startsWith("event: error"));
        assertThat(block).contains("resource_exhausted", "SUBSCRIBER_TOO_SLOW", "resume_after_offset");
        assertThat(events).isLessThan(2_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> s.server.stats().openStreams() == 1);
      }
    }
  }
}
