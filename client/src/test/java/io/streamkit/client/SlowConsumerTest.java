package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A server that stops reading: the client's sends must back up and stay bounded. */
class SlowConsumerTest {
  private static final int MESSAGE_BYTES = 1024;
  /**
   * What may be in flight when the server reads nothing: its HTTP/2 window, plus what grpc-java buffers
   * before the stream stops being ready (32 KiB), plus framing, as a number of 1 KiB messages, rounded up.
   */
  private static final int MAX_IN_FLIGHT = (LoopbackServer.FLOW_CONTROL_WINDOW + 32 * 1024) / MESSAGE_BYTES + 8;

  @RegisterExtension
  final LoopbackServer server = new LoopbackServer();

  @Test
  void sendBlocksWhenTheServerStopsReadingAndEndsCleanlyOnClose() throws Exception {
    StreamKitClient client = server.newConnectedClient();
    server.stopReading();
    BidiStream<Message, Message> stream = client.chat();
    AtomicInteger sent = new AtomicInteger();
    AtomicReference<Thread> senderThread = new AtomicReference<>();
    CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
      senderThread.set(Thread.currentThread());
      try {
        for (int i = 0; i < 100_000; i++) {
          stream.send(message(i));
          sent.incrementAndGet();
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });

    int stuckAt = awaitStuck(sent, senderThread);

    assertThat(stuckAt).isBetween(LoopbackServer.FLOW_CONTROL_WINDOW / MESSAGE_BYTES / 2, MAX_IN_FLIGHT);
    assertThat(sender).isNotDone();
    assertThat(server.received()).isZero();

    stream.close();

    assertThatThrownBy(() -> sender.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(StreamKitException.class,
            e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.CANCELLED))
        .hasMessageContaining("stream already closed with status CANCELLED");
    assertThat(sent.get()).isEqualTo(stuckAt);
    assertThat(server.awaitCancellations(1, Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void aBlockedSenderIsInterruptible() throws Exception {
    StreamKitClient client = server.newConnectedClient();
    server.stopReading();
    try (BidiStream<Message, Message> stream = client.chat()) {
      AtomicInteger sent = new AtomicInteger();
      AtomicReference<Thread> senderThread = new AtomicReference<>();
      AtomicReference<Throwable> outcome = new AtomicReference<>();
      Thread thread = new Thread(() -> {
        senderThread.set(Thread.currentThread());
        try {
          for (int i = 0; i < 100_000; i++) {
            stream.send(message(i));
            sent.incrementAndGet();
          }
        } catch (Throwable t) {
          outcome.set(t);
        }
      });
      thread.start();
      awaitStuck(sent, senderThread);

      thread.interrupt();
      thread.join(5_000);

      assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
      assertThat(stream.isOpen()).as("an interrupted send leaves the stream open").isTrue();
    }
  }

  /** Waits until the sender is parked and its count has not moved for 200 ms; returns the count. */
  static int awaitStuck(AtomicInteger sent, AtomicReference<Thread> senderThread) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int last = -1;
    long stableSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      int now = sent.get();
      Thread thread = senderThread.get();
      boolean parked = thread != null
          && (thread.getState() == Thread.State.WAITING || thread.getState() == Thread.State.TIMED_WAITING);
      if (now != last || !parked) {
        last = now;
        stableSince = System.nanoTime();
      } else if (System.nanoTime() - stableSince > TimeUnit.MILLISECONDS.toNanos(200)) {
        return now;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the sender never got stuck; sent " + sent.get());
  }

  static Message message(int i) {
    return Message.newBuilder()
        .setId(Integer.toString(i))
        .setRoute("echo")
        .setPayload(ByteString.copyFrom(new byte[MESSAGE_BYTES - 16]))
        .build();
  }
}
