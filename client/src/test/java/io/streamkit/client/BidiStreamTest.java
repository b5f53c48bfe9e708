package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.api.v1.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class BidiStreamTest {
  @RegisterExtension
  final LoopbackServer server = new LoopbackServer();

  @Test
  void greeterAnswersAThousandMessagesInOrder() throws Exception {
    StreamKitClient client = server.newClient();
    try (BidiStream<MessageRequest, MessageResponse> stream = client.bidi(GreeterGrpc.getChatMethod())) {
      CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
        try {
          for (int i = 0; i < 1000; i++) {
            stream.send(MessageRequest.newBuilder().setContent("hello " + i).build());
          }
          stream.closeSend();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });

      List<String> replies = new ArrayList<>();
      stream.forEach(reply -> replies.add(reply.getReply()));

      sender.get(5, TimeUnit.SECONDS);
      assertThat(replies).hasSize(1000);
      for (int i = 0; i < 1000; i++) {
        assertThat(replies.get(i)).isEqualTo("Received: hello " + i);
      }
      assertThat(stream.isOpen()).isFalse();
    }
  }

  @Test
  void eightThreadsSendingOnOneStreamGetEveryMessageAnsweredExactlyOnce() throws Exception {
    StreamKitClient client = server.newClient();
    int threads = 8;
    int perThread = 250;
    ExecutorService senders = Executors.newFixedThreadPool(threads);
    try (BidiStream<Message, Message> stream = client.chat()) {
      List<Future<?>> sent = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        sent.add(senders.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            stream.send(echo(thread + "-" + i));
          }
          return null;
        }));
      }

      Set<String> answered = new HashSet<>();
      for (int i = 0; i < threads * perThread; i++) {
        Message reply = stream.receive(Duration.ofSeconds(5));
        assertThat(answered.add(reply.getCorrelationId())).as("answered once: %s", reply.getCorrelationId()).isTrue();
      }
      for (Future<?> f : sent) {
        f.get(5, TimeUnit.SECONDS);
      }
      assertThat(answered).hasSize(threads * perThread);
      assertThatThrownBy(() -> stream.receive(Duration.ofMillis(50))).isInstanceOf(TimeoutException.class);
    } finally {
      senders.shutdownNow();
    }
  }

  @Test
  void receiveTimesOutWhileTheStreamStaysOpenAndReturnsNullAtTheEnd() throws Exception {
    StreamKitClient client = server.newClient();
    try (BidiStream<Message, Message> stream = client.chat()) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> stream.receive(Duration.ofMillis(100)))
          .isInstanceOf(TimeoutException.class)
          .hasMessageContaining("still open");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
      assertThat(stream.isOpen()).isTrue();

      stream.send(echo("after-timeout"));
      assertThat(stream.receive(Duration.ofSeconds(5)).getCorrelationId()).isEqualTo("after-timeout");

      stream.closeSend();
      assertThat(stream.receive(Duration.ofSeconds(5))).isNull();
      assertThat(stream.receive(Duration.ZERO)).as("the end is reported again").isNull();
    }
  }

  @Test
  void repliesThatArrivedBeforeAFailureAreReturnedBeforeTheFailure() throws Exception {
    StreamKitClient client = server.newClient();
    try (BidiStream<Message, Message> stream = client.chat()) {
      stream.send(echo("first"));
      stream.send(Message.newBuilder().setId("boom").setRoute("fail").build());

      Iterator<Message> replies = stream.iterator();
      assertThat(replies.next().getCorrelationId()).isEqualTo("first");
      assertThatThrownBy(replies::hasNext)
          .isInstanceOfSatisfying(StreamKitException.class,
              e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE))
          .hasMessageContaining("test server failed the stream");
    }
  }

  @Test
  void sendAfterTheStreamEndedReportsItsStatus() throws Exception {
    StreamKitClient client = server.newClient();
    try (BidiStream<Message, Message> stream = client.chat()) {
      stream.send(Message.newBuilder().setId("boom").setRoute("fail").build());
      assertThatThrownBy(() -> stream.receive(Duration.ofSeconds(5))).isInstanceOf(StreamKitException.class);

      assertThatThrownBy(() -> stream.send(echo("late")))
          .isInstanceOfSatisfying(StreamKitException.class,
              e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE))
          .hasMessageContaining("stream already closed with status UNAVAILABLE");
    }
  }

  @Test
  void sendAfterTheServerCompletedTheStreamIsACallerMistakeNeverAnExceptionWithStatusOk() throws Exception {
    StreamKitClient client = server.newClient();
    try (BidiStream<Message, Message> stream = client.chat()) {
      stream.send(Message.newBuilder().setId("1").setRoute("complete").build());
      assertThat(stream.receive(Duration.ofSeconds(5))).as("the end of a stream completed with OK").isNull();

      assertThatThrownBy(() -> stream.send(echo("late"))).isExactlyInstanceOf(IllegalStateException.class)
          .hasMessage("send after the end of the stream: the server completed it; check isOpen() before send");
      assertThat(stream.isOpen()).isFalse();
    }

    StreamHandleTest.RecordingListener<Message> listener = new StreamHandleTest.RecordingListener<>();
    StreamHandle<Message> handle = client.chat(listener);
    handle.send(Message.newBuilder().setId("1").setRoute("complete").build());
    assertThat(listener.end.get(5, TimeUnit.SECONDS)).as("completed with OK").isNull();

    assertThatThrownBy(() -> handle.send(echo("late"))).isExactlyInstanceOf(IllegalStateException.class)
        .hasMessageNotContaining("OK");
  }

  @Test
  void sendAfterCloseFailsWithCancelledStatus() throws Exception {
    StreamKitClient client = server.newClient();
    BidiStream<Message, Message> stream = client.chat();
    stream.close();
    stream.close(); // idempotent

    assertThatThrownBy(() -> stream.send(echo("late")))
        .isInstanceOfSatisfying(StreamKitException.class,
            e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.CANCELLED))
        .hasMessageContaining("stream already closed with status CANCELLED");
  }

  @Test
  void sendAfterCloseSendIsACallerMistake() throws Exception {
    StreamKitClient client = server.newClient();
    try (BidiStream<Message, Message> stream = client.chat()) {
      stream.closeSend();
      stream.closeSend(); // idempotent
      assertThatThrownBy(() -> stream.send(echo("late")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closeSend()");
    }
  }

  @Test
  void closingAnUndrainedIteratorCancelsTheCallAndTheServerSeesIt() throws Exception {
    StreamKitClient client = server.newClient();
    BidiStream<Message, Message> stream = client.chat();
    stream.send(Message.newBuilder().setId("f").setRoute("flood").build());
    Iterator<Message> replies = stream.iterator();
    for (int i = 0; i < 3; i++) {
      assertThat(replies.next().getCorrelationId()).isEqualTo("f");
    }

    stream.close();

    // The client sends RST_STREAM at once, but the server reads it only once its flood stops: Netty 4.2's event
    // loop runs queued tasks for up to 1 s (io.netty.eventLoop.maxTaskProcessingQuantumMs) before it reads the
    // socket again, and a writer at full speed keeps its queue full (flush, write done, onReady, write), so the
    // flood goes on until the client's flow-control window (1 MiB or more, auto-tuned) is full. Measured with
    // frame logs: RST sent, read 700 ms later, 48,000 messages written after the cancel; with a 64 KiB client
    // window, 69 ms. Quiet machine about 0.6 s; 3-4 s on a shared, loaded 2-core machine, hence the 15 s limit.
    assertThat(server.awaitCancellations(1, Duration.ofSeconds(15))).isTrue();
    assertThat(client.openStreams()).isZero();
    assertThatThrownBy(replies::hasNext)
        .isInstanceOfSatisfying(StreamKitException.class,
            e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.CANCELLED));
  }

  @Test
  void closingTheClientCancelsOpenStreams() throws Exception {
    StreamKitClient client = server.newClient();
    BidiStream<Message, Message> stream = client.chat();
    stream.send(echo("one"));
    assertThat(stream.receive(Duration.ofSeconds(5))).isNotNull();

    client.close();

    assertThat(server.awaitCancellations(1, Duration.ofSeconds(5))).isTrue();
    assertThat(stream.isOpen()).isFalse();
    assertThatThrownBy(() -> client.chat()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anInterruptedIteratorCancelsTheStream() throws Exception {
    StreamKitClient client = server.newClient();
    BidiStream<Message, Message> stream = client.chat();
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> stream.iterator().hasNext())
          .isInstanceOfSatisfying(StreamKitException.class,
              e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.CANCELLED));
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(stream.isOpen()).isFalse();
  }

  static Message echo(String id) {
    return Message.newBuilder().setId(id).setRoute("echo").setPayload(ByteString.copyFromUtf8(id)).build();
  }
}
