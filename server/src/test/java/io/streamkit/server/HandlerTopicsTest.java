package io.streamkit.server;

import static io.streamkit.server.PushFixtures.after;
import static io.streamkit.server.PushFixtures.subscribe;
import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HandlerTopicsTest {

  /** Route {@code room}: "join" attaches the stream to topic room:lobby; anything else is published to it. */
  static final class Room implements MessageHandler {
    @Override
    public String route() {
      return "room";
    }

    @Override
    public void onMessage(StreamContext context, Message message) {
      if (message.getPayload().toStringUtf8().equals("join")) {
        context.attach("room:lobby", Position.live());
        context.reply(message, Message.newBuilder().setPayload(ByteString.copyFromUtf8("joined")).build());
      } else {
        context.publish("room:lobby", message.getPayload(), Map.of("from", message.getId()));
      }
    }
  }

  @Test
  void chatStreamsAttachedToATopicReceiveWhatHandlersAndTheEmbeddingApplicationPublish() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.handler(new Room()))) {
      RecordingObserver<Message> alice = new RecordingObserver<>();
      RecordingObserver<Message> bob = new RecordingObserver<>();
      StreamObserver<Message> aliceOut = StreamServiceGrpc.newStub(s.channel).chat(alice);
      StreamObserver<Message> bobOut = StreamServiceGrpc.newStub(s.channel).chat(bob);
      RecordingObserver<Event> subscriber = subscribe(s.channel, after("room:lobby", 0, ""));
      aliceOut.onNext(msg("a0", "room", "join"));
      bobOut.onNext(msg("b0", "room", "join"));
      alice.awaitValues(1, Duration.ofSeconds(5));
      bob.awaitValues(1, Duration.ofSeconds(5));

      aliceOut.onNext(msg("alice", "room", "hi bob"));
      alice.awaitValues(2, Duration.ofSeconds(5));
      bobOut.onNext(msg("bob", "room", "hi alice"));
      alice.awaitValues(3, Duration.ofSeconds(5)); // bob's line is stored before the application's notice
      s.server.broker().publish("room:lobby", ByteString.copyFromUtf8("server notice"), Map.of()).join();

      alice.awaitValues(4, Duration.ofSeconds(5));
      bob.awaitValues(4, Duration.ofSeconds(5));
      subscriber.awaitValues(3, Duration.ofSeconds(5));
      for (RecordingObserver<Message> member : java.util.List.of(alice, bob)) {
        assertThat(member.values.subList(1, 4))
            .extracting(m -> m.getPayload().toStringUtf8())
            .containsExactly("hi bob", "hi alice", "server notice");
        assertThat(member.values.subList(1, 4))
            .extracting(m -> m.getHeadersOrThrow(TopicEvent.OFFSET_HEADER))
            .containsExactly("1", "2", "3");
        assertThat(member.values.get(1).getRoute()).isEqualTo("topic:room:lobby");
        assertThat(member.values.get(1).getHeadersOrThrow("from")).isEqualTo("alice");
      }
      assertThat(subscriber.values).extracting(e -> e.getPayload().toStringUtf8())
          .containsExactly("hi bob", "hi alice", "server notice");
      aliceOut.onCompleted();
      bobOut.onCompleted();
    }
  }
}
