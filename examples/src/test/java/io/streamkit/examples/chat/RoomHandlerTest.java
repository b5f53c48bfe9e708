package io.streamkit.examples.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Message;
import io.streamkit.client.BidiStream;
import io.streamkit.client.StreamKitClient;
import io.streamkit.server.StreamKitServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The room protocol over real Chat streams of a {@link ChatServer} on a loopback port. */
class RoomHandlerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private ChatServer server;
  private StreamKitClient client;
  private final List<BidiStream<Message, Message>> streams = new ArrayList<>();

  @BeforeEach
  void start() {
    server = new ChatServer(StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0))).start();
    client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build();
  }

  @AfterEach
  void stop() {
    streams.forEach(BidiStream::close);
    client.close();
    server.close();
  }

  @Test
  void joinIsAnsweredWithTheMembersPresent() throws Exception {
    join("alice", "lobby");
    BidiStream<Message, Message> bob = open();
    bob.send(joinRequest("bob-1", "bob", "lobby"));

    Message reply = bob.receive(WAIT);

    assertThat(reply.getCorrelationId()).isEqualTo("bob-1");
    assertThat(reply.getPayload().toStringUtf8()).isEqualTo("alice,bob");
  }

  @Test
  void otherMembersHearAJoinALineAndALeave() throws Exception {
    BidiStream<Message, Message> alice = join("alice", "lobby");
    BidiStream<Message, Message> bob = join("bob", "lobby");

    bob.send(line("hello"));
    bob.closeSend();

    assertThat(alice.receive(WAIT).getHeadersMap()).containsEntry("event", "joined").containsEntry("from", "bob");
    Message said = alice.receive(WAIT);
    assertThat(said.getHeadersMap()).containsEntry("event", "said").containsEntry("from", "bob");
    assertThat(said.getPayload().toStringUtf8()).isEqualTo("hello");
    assertThat(said.getCorrelationId()).isEmpty();
    assertThat(alice.receive(WAIT).getHeadersMap()).containsEntry("event", "left").containsEntry("from", "bob");
  }

  @Test
  void senderAndOtherRoomsGetNoCopyOfALine() throws Exception {
    BidiStream<Message, Message> alice = join("alice", "lobby");
    BidiStream<Message, Message> carol = join("carol", "garden");
    BidiStream<Message, Message> bob = join("bob", "lobby");

    alice.send(line("just for bob"));
    assertThat(bob.receive(WAIT).getPayload().toStringUtf8()).isEqualTo("just for bob");

    // alice's half-close is handled after her line (one stream's callbacks are serialized), so a copy to her
    // or to carol would already be queued ahead of the end of their streams.
    alice.closeSend();
    assertThat(remaining(alice)).containsExactly("joined bob: ");
    carol.closeSend();
    assertThat(remaining(carol)).isEmpty();
  }

  @Test
  void firstMessageWithoutAUserIsRejectedAndJoinsNothing() throws Exception {
    BidiStream<Message, Message> anonymous = open();
    anonymous.send(Message.newBuilder().setId("x-1").setRoute(RoomHandler.ROUTE).build());

    Message reply = anonymous.receive(WAIT);

    assertThat(reply.getError().getCode()).isEqualTo(3); // INVALID_ARGUMENT
    assertThat(reply.getError().getMessage()).contains("'user'");
    assertThat(anonymous.isOpen()).isTrue();
  }

  @Test
  void roomIsForgottenWithItsLastMember() throws Exception {
    RoomHandler rooms = new RoomHandler();
    try (StreamKitServer own = StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0)).handler(rooms).build().start();
        StreamKitClient c = StreamKitClient.builder().target("127.0.0.1:" + own.port()).build();
        BidiStream<Message, Message> alice = c.chat()) {
      alice.send(joinRequest("a-1", "alice", "attic"));
      alice.receive(WAIT);
      assertThat(rooms.members("attic")).containsExactly("alice");

      alice.closeSend();
      assertThat(alice.receive(WAIT)).isNull();
      assertThat(rooms.members("attic")).isEmpty();
    }
  }

  // ---- helpers ----

  private BidiStream<Message, Message> open() {
    BidiStream<Message, Message> stream = client.chat();
    streams.add(stream);
    return stream;
  }

  private BidiStream<Message, Message> join(String user, String room) throws Exception {
    BidiStream<Message, Message> stream = open();
    stream.send(joinRequest(user + "-join", user, room));
    assertThat(stream.receive(WAIT).getCorrelationId()).isEqualTo(user + "-join");
    return stream;
  }

  private static Message joinRequest(String id, String user, String room) {
    return Message.newBuilder()
        .setId(id)
        .setRoute(RoomHandler.ROUTE)
        .putHeaders(RoomHandler.USER, user)
        .putHeaders(RoomHandler.ROOM, room)
        .build();
  }

  private static Message line(String text) {
    return Message.newBuilder().setRoute(RoomHandler.ROUTE).setPayload(ByteString.copyFromUtf8(text)).build();
  }

  /** Reads a half-closed stream to its end and returns what was still on it, as "event from: payload". */
  private static List<String> remaining(BidiStream<Message, Message> stream) throws Exception {
    List<String> pushes = new ArrayList<>();
    for (Message m; (m = stream.receive(WAIT)) != null; ) {
      pushes.add(m.getHeadersOrDefault(RoomHandler.EVENT, "?") + " " + m.getHeadersOrDefault(RoomHandler.FROM, "?")
          + ": " + m.getPayload().toStringUtf8());
    }
    return pushes;
  }
}
