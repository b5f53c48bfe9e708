package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamkit.testing.HeadlessChromium;
import io.streamkit.testing.ServerProcess;
import io.streamkit.testing.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.JavascriptExecutor;

/**
 * A browser's own EventSource, reading two topics through a proxy that drops its connection, resumes by itself with
 * Last-Event-ID: every event of both topics exactly once, in order, across the drop.
 */
@Timeout(180)
class EventSourceResumeIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void anEventSourceWhoseConnectionIsDroppedResumesWithNothingLostOrRepeated() throws Exception {
    int httpPort = ServerProcess.freePort();
    try (ServerProcess server = ServerProcess.start("--http-port", Integer.toString(httpPort));
        TcpProxy proxy = new TcpProxy(httpPort);
        HeadlessChromium browser = HeadlessChromium.start()) {
      WebPublisher publisher = new WebPublisher(httpPort); // straight to the server, not through the proxy
      JavascriptExecutor page = browser.driver();
      // The console's origin is the proxy's, so the EventSource below goes through the proxy too.
      browser.driver().get("http://127.0.0.1:" + proxy.port() + "/");
      page.executeScript("""
          window.received = [];
          window.opens = 0;
          const source = new EventSource('/v1/events?topic=a&topic=b');
          source.onopen = () => { window.opens++; };
          source.onmessage = (m) => {
            const e = JSON.parse(m.data);
            window.received.push(e.topic + ':' + e.offset);
          };""");
      await().atMost(WAIT).until(() -> ((Number) page.executeScript("return window.opens")).intValue() == 1);
      publisher.publish("a", "a1");
      publisher.publish("b", "b1");
      await().atMost(WAIT).until(() -> received(page).size() == 2);

      proxy.dropConnections();
      for (int i = 2; i <= 5; i++) { // published while the browser is disconnected (it retries after 1 s)
        publisher.publish("a", "a" + i);
        publisher.publish("b", "b" + i);
      }
      await().atMost(WAIT).until(() -> ((Number) page.executeScript("return window.opens")).intValue() >= 2);
      publisher.publish("a", "a6");
      await().atMost(WAIT).until(() -> received(page).size() >= 11);
      Thread.sleep(500); // anything repeated would arrive now

      List<String> a = new ArrayList<>();
      List<String> b = new ArrayList<>();
      for (String e : received(page)) {
        (e.startsWith("a:") ? a : b).add(e);
      }
      assertThat(a).containsExactly("a:1", "a:2", "a:3", "a:4", "a:5", "a:6");
      assertThat(b).containsExactly("b:1", "b:2", "b:3", "b:4", "b:5");
      assertThat(proxy.links()).as("the browser reconnected through the proxy").isGreaterThanOrEqualTo(2);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<String> received(JavascriptExecutor page) {
    return (List<String>) page.executeScript("return window.received");
  }
}
