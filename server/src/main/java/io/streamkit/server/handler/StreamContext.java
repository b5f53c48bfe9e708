package io.streamkit.server.handler;

import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.opentelemetry.context.Context;
import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Message;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.security.Principal;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;

/**
 * One Chat stream as a handler sees it: who is calling, whether the stream is still open, and the way to send
 * outbound messages on it. The server creates one per stream and invalidates it when the stream ends; handlers
 * never create or close it themselves, except by {@link #close(Status) ending the stream}.
 *
 * <p><b>Thread-safe.</b> Every method may be called from any thread, at any time, also after the callback that
 * received the context returned. Sends from several threads are serialized: each message is written whole,
 * in the order the sends returned.
 *
 * <p><b>Flow control and overflow.</b> Sends never block. A sent message is written to the transport while it
 * is ready and is otherwise kept in the stream's outbound buffer, whose size is bounded by the server's
 * {@code maxQueuedBytesPerStream}. A send that would exceed the bound ends the stream with RESOURCE_EXHAUSTED
 * (the message names the limit), so one client that does not read cannot exhaust the server's memory.
 *
 * <p><b>After the end.</b> Once the stream ended, sends return {@code false} and do nothing;
 * {@link #closeStatus()} tells how it ended. They never throw because the client went away.
 */
public interface StreamContext {

  /** A server-unique id of this stream, also written in the server's log lines about it. */
  String streamId();

  /** The client's address, when the transport knows it. */
  Optional<SocketAddress> remoteAddress();

  /**
   * The authenticated caller of this stream: from its bearer token, its client certificate (mutual TLS) or the
   * server's {@link io.streamkit.server.security.Authenticator}; empty when the server authenticates no one.
   * Fixed for the stream's life.
   */
  Optional<Principal> principal();

  /** The request headers the client sent when it opened the stream. Do not modify. */
  Metadata requestHeaders();

  /** The call's deadline, if the client set one. Long-lived streams normally have none. */
  Optional<Deadline> deadline();

  /**
   * The trace context of the message this thread is handling: inside {@link MessageHandler#onMessage} (and
   * {@code onOpen}), the server's span for that message, a child of the message's W3C {@code traceparent} header
   * when it has one. Take {@code Span.fromContext(context.traceContext())} to add attributes or events, or make it
   * the parent of the handler's own spans; what the handler publishes while it is current becomes its child.
   * Outside a callback, or when the server has no OpenTelemetry (tracing off), it is whatever context is current
   * on the calling thread, normally the root (no span). The same as OpenTelemetry's {@code Context.current()}.
   */
  default Context traceContext() {
    return Context.current();
  }

  /**
   * Per-stream attributes for handlers that keep state with the stream. Thread-safe; cleared when the stream
   * ends.
   */
  ConcurrentMap<String, Object> attributes();

  /**
   * Sends {@code reply} as the answer to {@code request}: its {@code correlation_id} is set to the request's
   * {@code id}, and its {@code route} to the request's route when the reply names none.
   *
   * <p>A request without an {@code id} cannot be answered on {@code StreamService/Chat}: the client could not tell
   * which request the reply belongs to. The reply is then not sent; the client gets an INVALID_ARGUMENT error
   * message with reason {@code MESSAGE_ID_MISSING} (metadata {@code route}) telling it to set {@code Message.id}.
   * Messages to a route that never replies need no id.
   *
   * @return {@code true} if the reply was written or buffered; {@code false} if the stream already ended, or the
   *     request had no id (see above)
   */
  boolean reply(Message request, Message reply);

  /**
   * Sends an unsolicited message on this stream (server push over the bidi stream).
   *
   * @return {@code true} if the message was written or buffered; {@code false} if the stream already ended
   */
  boolean send(Message message);

  /**
   * Ends the stream with {@code status}. With OK, messages already sent are delivered first; with an error,
   * buffered messages are delivered before the status too. Idempotent: only the first close takes effect.
   */
  void close(Status status);

  /** {@code true} until the stream ended (completed, cancelled, failed or closed by the server). */
  boolean isOpen();

  /** {@code true} when the client cancelled the stream or its deadline expired. */
  boolean isCancelled();

  /** How the stream ended, or empty while it is open. */
  Optional<Status> closeStatus();

  /**
   * Runs {@code listener} once when the stream ends, for whatever reason (immediately if it already ended).
   * Useful to stop work started for this stream, such as a timer that pushes messages. The listener runs on
   * the thread that ended the stream and must not block.
   */
  void onEnd(Runnable listener);

  /**
   * Publishes an event to {@code topic} through the server's broker, as the Publish RPC would.
   *
   * @return completes with the event's offset and epoch once stored, or exceptionally with a
   *     {@link io.grpc.StatusException} (INVALID_ARGUMENT for a bad topic name, UNAVAILABLE when the broker
   *     cannot store it)
   */
  CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers);

  /**
   * Attaches this stream to {@code topic}: its events, from {@code position} on, are sent on this stream as
   * unsolicited messages (see {@code TopicEvent.asChatMessage()}: route {@code topic:<name>}, headers
   * {@code streamkit-topic}, {@code streamkit-offset}, {@code streamkit-epoch}). Delivery follows the stream's
   * flow control; a stream that falls too far behind is ended with RESOURCE_EXHAUSTED. Attaching a topic
   * already attached does nothing. Detached automatically when the stream ends.
   *
   * @throws IllegalArgumentException if {@code topic} is not a valid topic name
   */
  void attach(String topic, Position position);

  /** Stops delivery of {@code topic}'s events to this stream. Does nothing if it was not attached. */
  void detach(String topic);
}
