package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.api.v1.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StreamHandleTest {
  @RegisterExtension
  final LoopbackServer server = new LoopbackServer();

  @Test
  void callbacksReceiveAThousandRepliesInOrderThenCompletion() throws Exception {
    StreamKitClient client = server.newClient();
    RecordingListener<MessageResponse> listener = new RecordingListener<>();
    StreamHandle<MessageRequest> handle = client.bidi(GreeterGrpc.getChatMethod(), listener);

    for (int i = 0; i < 1000; i++) {
      handle.send(MessageRequest.newBuilder().setContent("hello " + i).build());
    }
    handle.closeSend();

    assertThat(listener.end.get(5, TimeUnit.SECONDS)).isNull();
    assertThat(listener.messages).hasSize(1000);
    for (int i = 0; i < 1000; i++) {
      assertThat(listener.messages.get(i).getReply()).isEqualTo("Received: hello " + i);
    }
    assertThat(listener.overlapped).isFalse();
    assertThat(listener.threads).allMatch(name -> name.startsWith("streamkit-client-callback-"));
    assertThat(handle.isOpen()).isFalse();
  }

  @Test
  void sendsFromSeveralThreadsAreAllAnsweredInEachThreadsOrder() throws Exception {
    StreamKitClient client = server.newClient();
    RecordingListener<Message> listener = new RecordingListener<>();
    StreamHandle<Message> handle = client.chat(listener);
    int threads = 4;
    int perThread = 250;
    ExecutorService senders = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> sent = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        sent.add(senders.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            handle.send(BidiStreamTest.echo(thread + "-" + i));
          }
        }));
      }
      for (Future<?> f : sent) {
        f.get(5, TimeUnit.SECONDS);
      }
      handle.closeSend();
      assertThat(listener.end.get(5, TimeUnit.SECONDS)).isNull();
    } finally {
      senders.shutdownNow();
    }

    Map<String, List<Integer>> byThread = new HashMap<>();
    for (Message reply : listener.messages) {
      String[] parts = reply.getCorrelationId().split("-");
      byThread.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
    }
    assertThat(listener.messages).hasSize(threads * perThread);
    assertThat(byThread).hasSize(threads);
    byThread.values().forEach(ids -> assertThat(ids).isSorted().hasSize(perThread).doesNotHaveDuplicates());
    assertThat(listener.overlapped).isFalse();
  }

  @Test
  void sendFromInsideACallbackDoesNotBlock() throws Exception {
    StreamKitClient client = server.newClient();
    AtomicInteger round = new AtomicInteger();
    CompletableFuture<Void> done = new CompletableFuture<>();
    List<StreamHandle<Message>> self = new ArrayList<>(1);
    StreamHandle<Message> handle = client.chat(new StreamListener<>() {
      @Override
      public void onMessage(Message reply) {
        int next = round.incrementAndGet();
        if (next < 200) {
          self.get(0).send(BidiStreamTest.echo("round-" + next));
        } else {
          self.get(0).closeSend();
        }
      }

      @Override
      public void onError(StreamKitException error) {
        done.completeExceptionally(error);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    });
    self.add(handle);
    handle.send(BidiStreamTest.echo("round-0"));

    done.get(5, TimeUnit.SECONDS);
    assertThat(round.get()).isEqualTo(200);
  }

  @Test
  void sendPastMaxQueuedBytesThrowsResourceExhaustedNamingTheLimit() throws Exception {
    StreamKitClient client = server.newConnectedClient(b -> b.maxQueuedBytes(8 * 1024));
    server.stopReading();
    RecordingListener<Message> listener = new RecordingListener<>();
    StreamHandle<Message> handle = client.chat(listener);
    listener.awaitReady(); // as a well-behaved sender does: until then every send would be queued

    int accepted = 0;
    StreamKitException overflow = null;
    while (overflow == null && accepted < 10_000) {
      try {
        handle.send(SlowConsumerTest.message(accepted));
        accepted++;
      } catch (StreamKitException e) {
        overflow = e;
      }
    }

    assertThat(overflow).isNotNull();
    assertThat(overflow.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(overflow).hasMessageContaining("maxQueuedBytes 8192");
    int inFlight = (LoopbackServer.FLOW_CONTROL_WINDOW + 32 * 1024 + 8 * 1024) / 1024 + 8;
    assertThat(accepted).isBetween(LoopbackServer.FLOW_CONTROL_WINDOW / 1024 / 2, inFlight);
    assertThat(handle.isOpen()).as("an overflow drops the message, not the stream").isTrue();
    assertThat(server.received()).isZero();
  }

  @Test
  void queuedMessagesAreSentInOrderOnceTheServerReadsAgain() throws Exception {
    server.stopReading();
    StreamKitClient client = server.newClient();
    RecordingListener<Message> listener = new RecordingListener<>();
    StreamHandle<Message> handle = client.chat(listener);
    int count = 300; // about 300 KiB: more than the transport takes, so some wait in the outbound buffer
    for (int i = 0; i < count; i++) {
      handle.send(SlowConsumerTest.message(i));
    }
    handle.closeSend();
    assertThat(handle.isReady()).isFalse();

    server.resumeReading();

    assertThat(listener.end.get(5, TimeUnit.SECONDS)).isNull();
    assertThat(listener.messages).extracting(Message::getCorrelationId)
        .containsExactlyElementsOf(IntStream.range(0, count).mapToObj(Integer::toString).toList());
  }

  @Test
  void sendAfterTheStreamEndedReportsItsStatus() throws Exception {
    StreamKitClient client = server.newClient();
    RecordingListener<Message> listener = new RecordingListener<>();
    StreamHandle<Message> handle = client.chat(listener);
    handle.send(Message.newBuilder().setId("boom").setRoute("fail").build());

    StreamKitException failure = listener.end.get(5, TimeUnit.SECONDS);
    assertThat(failure.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThatThrownBy(() -> handle.send(BidiStreamTest.echo("late")))
        .isInstanceOfSatisfying(StreamKitException.class,
            e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE))
        .hasMessageContaining("stream already closed with status UNAVAILABLE");
    handle.closeSend(); // does nothing once ended
    handle.cancel("no-op once ended");
  }

  @Test
  void cancelEndsTheStreamWithCancelledAndTheServerSeesIt() throws Exception {
    StreamKitClient client = server.newClient();
    RecordingListener<Message> listener = new RecordingListener<>();
    StreamHandle<Message> handle = client.chat(listener);
    handle.send(BidiStreamTest.echo("one"));
    listener.awaitFirstMessage();

    handle.cancel("test is done");
    handle.cancel("again"); // idempotent

    StreamKitException failure = listener.end.get(5, TimeUnit.SECONDS);
    assertThat(failure.status().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(failure).hasMessageContaining("test is done");
    assertThat(server.awaitCancellations(1, Duration.ofSeconds(5))).isTrue();
    assertThatThrownBy(() -> handle.send(BidiStreamTest.echo("late")))
        .hasMessageContaining("stream already closed with status CANCELLED");
  }

  @Test
  void aListenerThatThrowsCancelsTheStreamAndHearsWhy() throws Exception {
    StreamKitClient client = server.newClient();
    IllegalStateException bug = new IllegalStateException("listener bug");
    CompletableFuture<StreamKitException> error = new CompletableFuture<>();
    StreamHandle<Message> handle = client.chat(new StreamListener<>() {
      @Override
      public void onMessage(Message message) {
        throw bug;
      }

      @Override
      public void onError(StreamKitException e) {
        error.complete(e);
      }
    });
    handle.send(BidiStreamTest.echo("one"));

    StreamKitException e = error.get(5, TimeUnit.SECONDS);
    assertThat(e.status().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(e).hasRootCause(bug);
    assertThat(server.awaitCancellations(1, Duration.ofSeconds(5))).isTrue();
  }

  /** Records callbacks, and whether two ever ran at once. */
  static final class RecordingListener<T> implements StreamListener<T> {
    final List<T> messages = Collections.synchronizedList(new ArrayList<>());
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    /** Completes with null on onCompleted, with the exception on onError. */
    final CompletableFuture<StreamKitException> end = new CompletableFuture<>();
    final AtomicBoolean overlapped = new AtomicBoolean();
    private final AtomicInteger running = new AtomicInteger();
    private final CountDownLatch first = new CountDownLatch(1);
    private final CountDownLatch ready = new CountDownLatch(1);

    @Override
    public void onMessage(T message) {
      serialized(m -> {
        messages.add(m);
        first.countDown();
      }, message);
    }

    @Override
    public void onError(StreamKitException error) {
      serialized(end::complete, error);
    }

    @Override
    public void onCompleted() {
      serialized(e -> end.complete(null), null);
    }

    @Override
    public void onReady() {
      serialized(v -> ready.countDown(), null);
    }

    void awaitReady() throws InterruptedException {
      assertThat(ready.await(5, TimeUnit.SECONDS)).isTrue();
    }

    void awaitFirstMessage() throws InterruptedException {
      assertThat(first.await(5, TimeUnit.SECONDS)).isTrue();
    }

    private <V> void serialized(Consumer<V> action, V value) {
      if (running.incrementAndGet() != 1) {
        overlapped.set(true);
      }
      threads.add(Thread.currentThread().getName());
      try {
        action.accept(value);
      } finally {
        running.decrementAndGet();
      }
    }
  }
}
