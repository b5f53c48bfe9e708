package io.streamkit.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.server.LoopbackServer;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ServerSentEventsTest {

  private static void publish(LoopbackServer s, String topic, String payload) {
    s.server.broker().publish(topic, ByteString.copyFromUtf8(payload), Map.of()).join();
  }

  /** The data events of a stream, skipping comments, until {@code count} were read. */
  private static List<String> events(InputStream in, int count) throws Exception {
    List<String> out = new ArrayList<>();
    while (out.size() < count) {
      String block = WebClient.readEvent(in);
      if (block == null) {
        break;
      }
      if (block.contains("data: ")) {
        out.add(block);
      }
    }
    return out;
  }

  private static String id(String block) {
    for (String line : block.split("\n")) {
      if (line.startsWith("id: ")) {
        return line.substring(4);
      }
    }
    return null;
  }

  @Test
  void oneStreamCarriesEveryTopicsEventsAsJsonWithAResumeTokenId() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());
      publish(s, "a", "a1");
      publish(s, "b", "b1");

      HttpResponse<InputStream> r = web.stream("/v1/events?topic=a&topic=b&lastEventID=earliest", Map.of());
      try (InputStream in = r.body()) {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        List<String> two = events(in, 2);
        publish(s, "a", "a2");
        List<String> third = events(in, 1);

        assertThat(two).anyMatch(e -> e.contains("\"topic\":\"a\",\"offset\":\"1\""))
            .anyMatch(e -> e.contains("\"topic\":\"b\",\"offset\":\"1\""));
        assertThat(third.get(0)).contains("\"topic\":\"a\",\"offset\":\"2\"").startsWith("id: v1.");
      }
    }
  }

  @Test
  void aReconnectWithLastEventIdResumesEveryTopicAfterItsLastEvent() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());
      publish(s, "a", "a1");
      publish(s, "b", "b1");
      String token;
      try (InputStream in = web.stream("/v1/events?topic=a&topic=b&lastEventID=earliest", Map.of()).body()) {
        List<String> first = events(in, 2);
        token = id(first.get(1));
      }
      publish(s, "a", "a2");
      publish(s, "b", "b2");

      try (InputStream in = web.stream("/v1/events?topic=a&topic=b&lastEventID=earliest",
          Map.of("Last-Event-ID", token)).body()) {
        List<String> resumed = events(in, 2);

        assertThat(resumed).allMatch(e -> e.contains("\"offset\":\"2\""));
        assertThat(resumed).anyMatch(e -> e.contains("\"topic\":\"a\"")).anyMatch(e -> e.contains("\"topic\":\"b\""));
      }
    }
  }

  @Test
  void anInvalidResumeTokenIsBadRequestNamingTheProblem() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort());

      HttpResponse<String> r = web.get("/v1/events?topic=a&lastEventID=v1.%21%21", Map.of());
      HttpResponse<String> other = web.get("/v1/events?topic=a", Map.of("Last-Event-ID", "v1.Yg"));

      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("RESUME_TOKEN_INVALID", "not base64url");
      assertThat(other.statusCode()).isEqualTo(400);
      assertThat(other.body()).contains("Last-Event-ID header", "fields");
    }
  }

  @Test
  void anEventAfterMissedOffsetsIsPrecededByAGapNotice() throws Exception {
    try (LoopbackServer s = WebServers.start(h -> {}, b -> b.inMemoryBroker(m -> m.historyMaxEvents(2)))) {
      WebClient web = new WebClient(s.server.httpPort());
      publish(s, "g", "1");
      String token;
      try (InputStream in = web.stream("/v1/events?topic=g&lastEventID=earliest", Map.of()).body()) {
        token = id(events(in, 1).get(0));
      }
      for (int i = 2; i <= 5; i++) {
        publish(s, "g", Integer.toString(i)); // history keeps 4 and 5 only
      }

      try (InputStream in = web.stream("/v1/events?topic=g", Map.of("Last-Event-ID", token)).body()) {
        String gap = WebClient.readEvent(in);
        while (!gap.contains("event: gap")) {
          gap = WebClient.readEvent(in);
        }
        assertThat(gap).contains("\"topic\":\"g\"", "\"fromOffset\":\"2\"", "\"toOffset\":\"3\"");
        assertThat(events(in, 1).get(0)).contains("\"offset\":\"4\"");
      }
    }
  }

  @Test
  void heartbeatCommentsKeepAQuietStreamBusy() throws Exception {
    try (LoopbackServer s = WebServers.start(h -> h.sseHeartbeat(java.time.Duration.ofSeconds(1)), b -> {})) {
      WebClient web = new WebClient(s.server.httpPort());
      try (InputStream in = web.stream("/v1/events?topic=quiet", Map.of()).body()) {
        String block;
        do {
          block = WebClient.readEvent(in);
        } while (block != null && !block.contains(": heartbeat"));
        assertThat(block).isEqualTo(": heartbeat");
      }
    }
  }
}
