package io.streamkit.it;

import io.streamkit.testing.TestThreads;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.api.v1.Message;
import io.streamkit.client.BidiStream;
import io.streamkit.client.StreamKitClient;
import io.streamkit.server.StreamKitServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client facade against the real server over Netty on loopback. */
class ChatEndToEndTest {
  private StreamKitServer server;
  private StreamKitClient client;

  @BeforeEach
  void start() {
    server = StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0)).build().start();
    client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  @Test
  void eightThreadsSendingOnOneChatStreamGetEveryMessageAnsweredExactlyOnce() throws Exception {
    int threads = 8;
    int perThread = 500;
    try (BidiStream<Message, Message> chat = client.chat()) {
      List<Thread> senders = new ArrayList<>();
      List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < threads; t++) {
        int id = t;
        Thread sender = new Thread(() -> {
          try {
            for (int i = 0; i < perThread; i++) {
              chat.send(Message.newBuilder().setId(id + "-" + i).setRoute("echo")
                  .setPayload(ByteString.copyFromUtf8("p" + id + "-" + i)).build());
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        });
        sender.start();
        senders.add(sender);
      }
      Map<String, Integer> answered = new HashMap<>();
      for (int n = 0; n < threads * perThread; n++) {
        Message reply = chat.receive(java.time.Duration.ofSeconds(10));
        assertThat(reply.getPayload().toStringUtf8()).isEqualTo("p" + reply.getCorrelationId());
        answered.merge(reply.getCorrelationId(), 1, Integer::sum);
      }
      TestThreads.join(java.time.Duration.ofSeconds(30), senders);
      chat.closeSend();
      assertThat(chat.receive(java.time.Duration.ofSeconds(5))).as("completed with OK").isNull();
      assertThat(failures).isEmpty();
      assertThat(answered).hasSize(threads * perThread).allSatisfy((id, count) -> assertThat(count).isEqualTo(1));
    }
  }

  @Test
  void greeterChatThroughTheGenericBidiFacadeAnswersInOrder() throws Exception {
    try (BidiStream<MessageRequest, MessageResponse> greeter = client.bidi(GreeterGrpc.getChatMethod())) {
      for (int i = 0; i < 1000; i++) {
        greeter.send(MessageRequest.newBuilder().setContent("m" + i).build());
      }
      greeter.closeSend();
      List<String> replies = new ArrayList<>();
      for (MessageResponse r : greeter) {
        replies.add(r.getReply());
      }
      assertThat(replies).hasSize(1000);
      for (int i = 0; i < 1000; i++) {
        assertThat(replies.get(i)).isEqualTo("Received: m" + i);
      }
    }
  }

  @Test
  void requestReplyCallsCorrelateOverOneStream() throws Exception {
    List<java.util.concurrent.CompletableFuture<Message>> calls = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      calls.add(client.call("echo", ByteString.copyFromUtf8("c" + i)));
    }
    for (int i = 0; i < 1000; i++) {
      assertThat(calls.get(i).get().getPayload().toStringUtf8()).isEqualTo("c" + i);
    }
    assertThat(server.stats().streamsOpened()).isEqualTo(1);
  }
}
