package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.Subscription;
import io.streamkit.client.SubscriptionHandle;
import io.streamkit.client.SubscriptionListener;
import io.streamkit.client.SubscriptionState;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the javadoc of {@link Subscription}, {@link SubscriptionHandle}, {@link SubscriptionListener} and
 * {@link EventPublisher} promises about their ends, checked against an embedded server: each documented exception
 * and terminal callback, as written.
 */
@Timeout(60)
class ClientDocumentedBehaviourTest {
  @RegisterExtension
  final Closer closer = new Closer();

  private StreamKitServer server;
  private StreamKitClient client;

  @BeforeEach
  void start() {
    server = closer.add(StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0)).build().start());
    client = closer.add(StreamKitClient.builder().target("127.0.0.1:" + server.port()).build());
  }

  private static void awaitState(String what, java.util.function.Supplier<SubscriptionState> state,
      SubscriptionState expected) {
    Awaitility.await(what + " " + expected).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
        .until(() -> state.get() == expected);
  }

  @Test
  void nextTimesOutWhileTheSubscriptionStaysOpenAndAfterCloseThrowsCancelled() throws Exception {
    Subscription s = closer.add(client.subscribe(List.of(TopicStart.live("quiet"))));
    awaitState("the subscription", s::state, SubscriptionState.LIVE);

    assertThatThrownBy(() -> s.next(Duration.ofMillis(100))).isInstanceOf(TimeoutException.class);
    assertThat(s.isOpen()).as("open after a timeout").isTrue();
    server.broker().publish("quiet", ByteString.copyFromUtf8("later"), Map.of()).join();
    assertThat(s.next(Duration.ofSeconds(10)).getPayload().toStringUtf8()).as("a later next gets it")
        .isEqualTo("later");

    s.close();
    s.close(); // idempotent

    assertThat(s.state()).isEqualTo(SubscriptionState.ENDED);
    assertThat(s.isOpen()).isFalse();
    assertThatThrownBy(() -> s.next(Duration.ofSeconds(1))).isInstanceOfSatisfying(StreamKitException.class,
        e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.CANCELLED));
  }

  @Test
  void anInterruptedLoopEndsWithCancelledClosesTheSubscriptionAndKeepsTheInterruptFlag() throws Exception {
    Subscription s = closer.add(client.subscribe(List.of(TopicStart.live("quiet"))));
    awaitState("the subscription", s::state, SubscriptionState.LIVE);
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    AtomicReference<Boolean> flagAfter = new AtomicReference<>();
    Thread loop = new Thread(() -> {
      try {
        for (Event ignored : s) {
          // nothing is published
        }
        ended.complete(null);
      } catch (Throwable t) {
        flagAfter.set(Thread.currentThread().isInterrupted());
        ended.complete(t);
      }
    }, "interrupted-loop");
    loop.start();
    Thread.sleep(100); // in hasNext()

    loop.interrupt();

    assertThat(ended.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(StreamKitException.class,
        e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.CANCELLED));
    assertThat(flagAfter.get()).as("the interrupt flag is set again").isTrue();
    assertThat(s.isOpen()).as("the subscription is closed").isFalse();
  }

  @Test
  void aHandleCancelledFromItsOwnCallbackEndsWithEndedThenOnErrorCancelledOnce() throws Exception {
    List<String> heard = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<StreamKitException> error = new CompletableFuture<>();
    AtomicReference<SubscriptionHandle> handle = new AtomicReference<>();
    handle.set(client.subscribe(List.of(TopicStart.oldest("once")), new SubscriptionListener() {
      @Override
      public void onEvent(Event event) {
        heard.add("event " + event.getOffset());
        handle.get().cancel(); // documented: may be called from a callback, never blocks
      }

      @Override
      public void onStateChange(SubscriptionState state, StreamKitException cause) {
        heard.add(state.name());
      }

      @Override
      public void onError(StreamKitException e) {
        heard.add("onError " + e.status().getCode());
        error.complete(e);
      }

      @Override
      public void onCompleted() {
        heard.add("onCompleted");
      }
    }));
    server.broker().publish("once", ByteString.copyFromUtf8("1"), Map.of()).join();
    server.broker().publish("once", ByteString.copyFromUtf8("2"), Map.of()).join();

    assertThat(error.get(10, TimeUnit.SECONDS).status().getCode()).isEqualTo(Status.Code.CANCELLED);
    Thread.sleep(200); // nothing may follow the terminal callback
    assertThat(heard).containsSubsequence("LIVE", "event 1", "ENDED", "onError CANCELLED")
        .doesNotContain("event 2", "onCompleted").endsWith("ENDED", "onError CANCELLED");
    assertThat(handle.get().state()).isEqualTo(SubscriptionState.ENDED);
    handle.get().cancel(); // idempotent
    assertThat(heard).filteredOn(h -> h.startsWith("onError")).hasSize(1);
  }

  @Test
  void theClientRejectsABadTopicWithTheServersOwnMessageForIt() {
    for (String topic : List.of("", "a b", "caf\u00e9", "x".repeat(257))) {
      // What the server says when the name gets past a client (the generated stub checks nothing).
      StatusRuntimeException server = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
          () -> StreamServiceGrpc.newBlockingStub(client.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
              .publishEvent(PublishRequest.newBuilder().setTopic(topic).build()));
      assertThat(server.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

      // The client says the same, at the call, before anything is sent.
      assertThatThrownBy(() -> client.publish(topic, "x")).isInstanceOf(IllegalArgumentException.class)
          .satisfies(e -> assertThat(server.getStatus().getDescription()).as("topic '%s'", topic)
              .contains(e.getMessage()));
      assertThatThrownBy(() -> TopicStart.live(topic)).isInstanceOf(IllegalArgumentException.class)
          .satisfies(e -> assertThat(server.getStatus().getDescription()).contains(e.getMessage()));
    }
  }

  @Test
  void completeAfterACloseThatGotTheAcknowledgementReturnsItAndPublishSaysClosed() throws Exception {
    EventPublisher publisher = client.publisher();
    for (int i = 1; i <= 20; i++) { // the case: close() without complete() once stored 2 of 20, or none
      publisher.publish("batch", ByteString.copyFromUtf8("e" + i));
    }

    publisher.close(); // completes the stream and waits for the acknowledgement

    PublishAck ack = publisher.complete();
    assertThat(ack.getCount()).isEqualTo(20);
    assertThat(ack.getLastOffsetsOrThrow("batch")).isEqualTo(20);
    try (Subscription stored = client.subscribe(List.of(TopicStart.oldest("batch")))) {
      for (int i = 1; i <= 20; i++) {
        assertThat(stored.next(Duration.ofSeconds(10)).getPayload().toStringUtf8()).isEqualTo("e" + i);
      }
    }
    assertThatThrownBy(() -> publisher.publish("batch", ByteString.EMPTY))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("publish after close()");
  }
}
