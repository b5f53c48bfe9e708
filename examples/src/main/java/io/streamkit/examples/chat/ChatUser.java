package io.streamkit.examples.chat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.client.BidiStream;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * One person of the chat demo: a {@link StreamKitClient} of their own with one blocking Chat stream, joined to
 * a room of the {@link RoomHandler}. Prints every line it receives as {@code [name] line}.
 *
 * <p>Thread-compatible: the demo drives each user from one thread. Owns its client: {@link #close()} cancels
 * the stream if it is still open and closes the client.
 */
final class ChatUser implements AutoCloseable {
  /** How long the demo waits for a line it expects; generous, as every line arrives within milliseconds. */
  static final Duration WAIT = Duration.ofSeconds(10);

  private final String name;
  private final PrintStream out;
  private final StreamKitClient client;
  private final BidiStream<Message, Message> stream;
  private int lastId;

  private ChatUser(String name, String target, PrintStream out) {
    this.name = name;
    this.out = out;
    this.client = StreamKitClient.builder().target(target).userAgent("streamkit-chat-demo").build();
    this.stream = client.chat();
  }

  /** Connects to {@code target} (host:port) and joins {@code room} as {@code name}; returns once joined. */
  static ChatUser join(String target, String name, String room, PrintStream out)
      throws InterruptedException, TimeoutException {
    ChatUser user = new ChatUser(name, target, out);
    try {
      String id = user.nextId();
      user.stream.send(
          Message.newBuilder()
              .setId(id)
              .setRoute(RoomHandler.ROUTE)
              .putHeaders(RoomHandler.USER, name)
              .putHeaders(RoomHandler.ROOM, room)
              .build());
      Message reply = user.next();
      if (!reply.getCorrelationId().equals(id)) {
        throw new IllegalStateException("expected the reply to join request " + id + ", got " + reply);
      }
      out.printf("[%s] joined room '%s'; members: %s%n", name, room, reply.getPayload().toStringUtf8());
      return user;
    } catch (RuntimeException | InterruptedException | TimeoutException e) {
      user.close();
      throw e;
    }
  }

  /** Says {@code text} to everybody else in the room. Blocks only while the stream is not ready. */
  void say(String text) throws InterruptedException {
    stream.send(
        Message.newBuilder()
            .setId(nextId())
            .setRoute(RoomHandler.ROUTE)
            .setPayload(ByteString.copyFromUtf8(text))
            .build());
  }

  /** Waits for the next push from the room and prints it. */
  Message hear() throws InterruptedException, TimeoutException {
    Message push = next();
    String from = push.getHeadersOrDefault(RoomHandler.FROM, "?");
    String event = push.getHeadersOrDefault(RoomHandler.EVENT, "?");
    switch (event) {
      case RoomHandler.SAID -> out.printf("[%s] %s: %s%n", name, from, push.getPayload().toStringUtf8());
      case RoomHandler.JOINED -> out.printf("[%s] * %s joined%n", name, from);
      case RoomHandler.LEFT -> out.printf("[%s] * %s left%n", name, from);
      default -> out.printf("[%s] (%s) %s%n", name, event, push);
    }
    return push;
  }

  /** Leaves the room: half-closes and waits until the server has ended the stream. */
  void leave() throws InterruptedException, TimeoutException {
    stream.closeSend();
    Message extra = stream.receive(WAIT);
    if (extra != null) {
      throw new IllegalStateException(name + " got " + extra + " (expected: the end of the stream)");
    }
    out.printf("[%s] left%n", name);
  }

  @Override
  public void close() {
    stream.close();
    client.close();
  }

  private Message next() throws InterruptedException, TimeoutException {
    Message message = stream.receive(WAIT);
    if (message == null) {
      throw new StreamKitException(
          Status.UNAVAILABLE.withDescription("the server ended " + name + "'s stream"));
    }
    if (message.hasError()) {
      throw new StreamKitException(
          Status.fromCodeValue(message.getError().getCode()).withDescription(message.getError().getMessage()));
    }
    return message;
  }

  private String nextId() {
    return name + "-" + ++lastId;
  }
}
