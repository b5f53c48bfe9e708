package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.SubscriptionListener;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/** What an application may do inside the client's callbacks, and what the client does for a draining server. */
@Timeout(60)
class ClientCallbacksTest {
  @RegisterExtension
  final Closer closer = new Closer();

  private StreamKitServer server(Duration grace) {
    return closer.add(StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0).shutdownGracePeriod(grace))
        .build().start());
  }

  @Test
  void twoSubscriptionListenersThatBlockOnACallEachDoNotDeadlockTheClient() throws Exception {
    StreamKitServer server = server(Duration.ofSeconds(5));
    // As many callback threads as subscriptions that block: before replies had a thread of their own, both
    // threads waited for replies that only those threads could deliver, until the deadline.
    ExecutorService callbacks = Executors.newFixedThreadPool(2);
    closer.add(callbacks::shutdownNow);
    StreamKitClient client = closer.add(StreamKitClient.builder().target("127.0.0.1:" + server.port())
        .callbackExecutor(callbacks).defaultDeadline(Duration.ofSeconds(8)).build());
    int events = 20;
    CountDownLatch replies = new CountDownLatch(2 * events);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    SubscriptionListener callsOnEachEvent = new SubscriptionListener() {
      @Override
      public void onEvent(Event event) {
        try {
          Message reply = client.call("echo", event.getPayload()).get();
          assertThat(reply.getPayload()).isEqualTo(event.getPayload());
          replies.countDown();
        } catch (Throwable t) {
          failures.add(t);
        }
      }
    };
    client.subscribe(List.of(TopicStart.oldest("ticks")), callsOnEachEvent);
    client.subscribe(List.of(TopicStart.oldest("ticks")), callsOnEachEvent);

    for (int i = 0; i < events; i++) {
      server.broker().publish("ticks", ByteString.copyFromUtf8("tick " + i), Map.of()).join();
    }

    assertThat(replies.await(20, TimeUnit.SECONDS)).as("every call answered; failures: %s", failures).isTrue();
    assertThat(failures).isEmpty();
  }

  @Test
  void aServerClosingWithALongGraceIsNotHeldByAClientsIdleRequestReplyStream() throws Exception {
    StreamKitServer server = server(Duration.ofSeconds(30));
    StreamKitClient client = closer.add(StreamKitClient.builder().target("127.0.0.1:" + server.port()).build());
    client.call("echo", ByteString.copyFromUtf8("x")).get(10, TimeUnit.SECONDS); // its Chat stream stays open

    long start = System.nanoTime();
    server.close();

    // The client half-closes its idle request/reply stream when the server's GOAWAY arrives.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }
}
