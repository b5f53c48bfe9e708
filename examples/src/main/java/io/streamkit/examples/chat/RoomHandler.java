package io.streamkit.examples.chat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.Error;
import io.streamkit.api.v1.Message;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Route {@code room}: chat rooms over the bidi Chat stream, a small example of server push.
 *
 * <h2>Protocol</h2>
 * <ul>
 *   <li>A stream <em>joins</em> with its first message to this route, which must carry the header
 *       {@value #USER} (the member's name) and may carry {@value #ROOM} (default {@value #DEFAULT_ROOM}). The
 *       join is answered with a reply whose payload lists the members present, the new one included, sorted
 *       and comma-separated; that reply is the first message the stream gets from this route. Every other
 *       member gets a push with {@value #EVENT}{@code =}{@value #JOINED}. A first message without a user is
 *       answered with an INVALID_ARGUMENT error reply and joins nothing.</li>
 *   <li>Every message with a non-empty payload, the joining one included, is pushed to every <em>other</em>
 *       member of the room with {@value #EVENT}{@code =}{@value #SAID} and {@value #FROM}{@code =} the
 *       sender's name. The sender gets no copy.</li>
 *   <li>When a member's stream ends, for any reason, it leaves the room, and the others get a push with
 *       {@value #EVENT}{@code =}{@value #LEFT}.</li>
 * </ul>
 * Pushes carry route {@code room}, the {@value #ROOM} header and no correlation id.
 *
 * <p>Thread-safe: one instance serves every stream. Callbacks of one stream are serialized by the server, so
 * joining and leaving, both per stream, need no lock of their own; memberships and rooms are concurrent maps.
 * Pushes never block: a member that stops reading ends with RESOURCE_EXHAUSTED once its outbound buffer is full
 * (the server's {@code maxQueuedBytesPerStream}), without slowing the others down.
 */
public final class RoomHandler implements MessageHandler {
  /** The route this handler serves. */
  public static final String ROUTE = "room";
  /** Header naming the member, required on the joining message. */
  public static final String USER = "user";
  /** Header naming the room, on the joining message and on every push. */
  public static final String ROOM = "room";
  /** The room of a joining message without a {@value #ROOM} header. */
  public static final String DEFAULT_ROOM = "lobby";
  /** Header naming the sender on a {@value #SAID} push. */
  public static final String FROM = "from";
  /** Header telling what a push is about: {@value #SAID}, {@value #JOINED} or {@value #LEFT}. */
  public static final String EVENT = "event";
  /** {@value #EVENT} of a member's line. */
  public static final String SAID = "said";
  /** {@value #EVENT} of a member who joined; {@value #FROM} names them. */
  public static final String JOINED = "joined";
  /** {@value #EVENT} of a member whose stream ended; {@value #FROM} names them. */
  public static final String LEFT = "left";

  /** Stream id to its membership, for the streams that joined. */
  private final Map<String, Member> byStream = new ConcurrentHashMap<>();
  /** Room name to its members by stream id. A room is removed with its last member. */
  private final Map<String, Map<String, Member>> rooms = new ConcurrentHashMap<>();

  private record Member(String user, String room, StreamContext context) {}

  /** A handler with no rooms yet; register it with {@code StreamKitServer.builder().handler(...)}. */
  public RoomHandler() {}

  @Override
  public String route() {
    return ROUTE;
  }

  @Override
  public void onMessage(StreamContext context, Message message) {
    Member member = byStream.get(context.streamId());
    if (member == null) {
      member = join(context, message);
      if (member == null) {
        return;
      }
    }
    if (!message.getPayload().isEmpty()) {
      broadcast(member, SAID, message.getPayload());
    }
  }

  @Override
  public void onClose(StreamContext context, Status status) {
    Member member = byStream.remove(context.streamId());
    if (member == null) {
      return;
    }
    rooms.computeIfPresent(
        member.room(),
        (name, members) -> {
          members.remove(context.streamId());
          return members.isEmpty() ? null : members;
        });
    broadcast(member, LEFT, ByteString.EMPTY);
  }

  /** The names of the members of {@code room} now, sorted; empty when nobody is in it. */
  public List<String> members(String room) {
    Map<String, Member> members = rooms.getOrDefault(room, Map.of());
    return members.values().stream().map(Member::user).sorted().toList();
  }

  private Member join(StreamContext context, Message message) {
    String user = message.getHeadersOrDefault(USER, "");
    if (user.isBlank()) {
      context.reply(
          message,
          Message.newBuilder()
              .setError(
                  Error.newBuilder()
                      .setCode(Status.Code.INVALID_ARGUMENT.value())
                      .setMessage(
                          "header '" + USER + "' is missing: the first message to route '" + ROUTE
                              + "' joins a room and must name the member"))
              .build());
      return null;
    }
    String room = message.getHeadersOrDefault(ROOM, DEFAULT_ROOM);
    Member member = new Member(user, room, context);
    byStream.put(context.streamId(), member);
    List<String> present = new ArrayList<>(members(room));
    present.add(user);
    present.sort(null);
    // Reply before entering the room, so that the reply is the first message the member gets: pushes from
    // other members' streams can reach this stream only once it is in the room.
    context.reply(
        message,
        Message.newBuilder()
            .putHeaders(ROOM, room)
            .putHeaders(EVENT, JOINED)
            .putHeaders(FROM, user)
            .setPayload(ByteString.copyFromUtf8(String.join(",", present)))
            .build());
    // compute() makes the join atomic with a concurrent removal of the room's last member.
    rooms.compute(
        room,
        (name, members) -> {
          Map<String, Member> m = members == null ? new ConcurrentHashMap<>() : members;
          m.put(context.streamId(), member);
          return m;
        });
    broadcast(member, JOINED, ByteString.EMPTY);
    return member;
  }

  private void broadcast(Member sender, String event, ByteString payload) {
    Map<String, Member> members = rooms.get(sender.room());
    if (members == null) {
      return;
    }
    Message push =
        Message.newBuilder()
            .setRoute(ROUTE)
            .putHeaders(ROOM, sender.room())
            .putHeaders(EVENT, event)
            .putHeaders(FROM, sender.user())
            .setPayload(payload)
            .build();
    for (Member member : members.values()) {
      if (member.context() != sender.context()) {
        // false means that member's stream just ended; its onClose removes it from the room.
        member.context().send(push);
      }
    }
  }
}
