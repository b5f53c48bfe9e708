package io.streamkit.server;

import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HandlerSendsTest {
  private static final int THREADS = 8;
  private static final int PER_THREAD = 1000;

  /** Route {@code burst}: starts 8 threads that each push 1,000 messages, then closes the stream OK. */
  static final class Burst implements MessageHandler {
    @Override
    public String route() {
      return "burst";
    }

    @Override
    public void onMessage(StreamContext context, Message message) throws Exception {
      Thread[] threads = new Thread[THREADS];
      for (int t = 0; t < THREADS; t++) {
        int id = t;
        threads[t] = new Thread(() -> {
          for (int i = 0; i < PER_THREAD; i++) {
            context.send(Message.newBuilder()
                .putHeaders("thread", Integer.toString(id))
                .putHeaders("seq", Integer.toString(i))
                .setPayload(ByteString.copyFromUtf8("t" + id + "-" + i))
                .build());
          }
        });
        threads[t].start();
      }
      // Joining on the transport thread would be wrong in production code; this test handler does it only
      // to close after every send, and the sends themselves never wait for it.
      new Thread(() -> {
        for (Thread thread : threads) {
          try {
            thread.join();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        context.close(Status.OK);
      }).start();
    }
  }

  @Test
  void sendsFromEightThreadsArriveWholeOnceEachAndInPerThreadOrder() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(new Burst()).settings(o -> o.maxQueuedBytesPerStream(16 << 20)))) {
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> requests = StreamServiceGrpc.newStub(s.channel).chat(replies);
      requests.onNext(msg("go", "burst", ""));

      assertThat(replies.awaitStatus(Duration.ofSeconds(20)).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).hasSize(THREADS * PER_THREAD);
      Map<String, Integer> next = new HashMap<>();
      for (Message m : replies.values) {
        String thread = m.getHeadersOrThrow("thread");
        int seq = Integer.parseInt(m.getHeadersOrThrow("seq"));
        assertThat(seq).as("sequence of thread " + thread).isEqualTo(next.getOrDefault(thread, 0));
        assertThat(m.getPayload().toStringUtf8()).isEqualTo("t" + thread + "-" + seq);
        next.put(thread, seq + 1);
      }
      assertThat(next).hasSize(THREADS).allSatisfy((k, v) -> assertThat(v).isEqualTo(PER_THREAD));
    }
  }
}
