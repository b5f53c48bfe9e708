package io.streamkit.server.handler;

import io.grpc.Status;
import io.streamkit.api.v1.Message;

/**
 * Serves one route of {@code streamkit.v1.StreamService/Chat}. One instance serves every stream; per-stream
 * state belongs in {@link StreamContext#attributes()} or in a map keyed by {@link StreamContext#streamId()}.
 *
 * <h2>Discovery</h2>
 * Implementations are found with {@link java.util.ServiceLoader} (they need a public no-argument constructor
 * and a line in {@code META-INF/services/io.streamkit.server.handler.MessageHandler}) or registered in code with
 * {@code StreamKitServer.builder().handler(...)}. Two handlers for one route stop the server's start-up with a
 * message naming both classes. A constructor must not throw: do expensive set-up lazily.
 *
 * <h2>Threading</h2>
 * <ul>
 *   <li>Callbacks for one stream are serialized and in order: {@link #onOpen}, then {@link #onMessage} for each
 *       message of that stream routed here, then {@link #onClose}, never two at once for the same stream.
 *       Callbacks for different streams run concurrently, so the handler instance must be thread-safe.</li>
 *   <li>Without {@link Blocking}, callbacks run on the transport thread that delivered the message (the fast
 *       path, no thread hop): never block there. With {@link Blocking}, they run on the server's blocking
 *       executor.</li>
 *   <li>The {@link StreamContext} may be used from any thread, also after the callback returned (for example
 *       to push a message later): sends are serialized by the server.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 * An exception thrown by {@link #onMessage} does not end the stream: the client gets a reply with
 * {@code error.code = 13} (INTERNAL), reason {@code HANDLER_FAILED} (metadata {@code route}, {@code stream_id}) and
 * a short message that never includes the exception's text; the server logs the exception once with the stream
 * id, and the next message is handled as usual. To end the stream, call {@link StreamContext#close(Status)}; to
 * give it a typed reason of your own, close with a status made by {@code ErrorDetails.withReason}. Every reason
 * a client may see is in {@code docs/ERRORS.md}.
 *
 * <h2>Flow control</h2>
 * The server requests the next inbound message of a stream only as handlers keep up and as outbound messages
 * drain to the client, so a handler is never flooded and a client that stops reading slows its own sender.
 */
public interface MessageHandler {

  /**
   * The route this handler serves: the {@code route} field of the inbound messages it receives. Must be
   * non-empty and constant for the handler's lifetime.
   */
  String route();

  /**
   * Called once per stream, before the first message of that stream that is routed to this handler. The
   * default does nothing.
   */
  default void onOpen(StreamContext context) {}

  /**
   * Handles one inbound message. Reply with {@link StreamContext#reply(Message, Message)}; push further
   * messages with {@link StreamContext#send(Message)}, now or later, from any thread.
   *
   * @throws Exception to answer the message with an INTERNAL error reply; the stream stays open
   */
  void onMessage(StreamContext context, Message message) throws Exception;

  /**
   * Called once per stream for which {@link #onOpen} ran, when the stream ends.
   *
   * <p>{@code status} is OK when the client half-closed: messages sent from here are still delivered before
   * the server completes the stream. Otherwise it is the status the stream ended with (CANCELLED when the
   * client cancelled, DEADLINE_EXCEEDED, UNAVAILABLE at server shutdown, RESOURCE_EXHAUSTED when the client
   * did not keep up, or what a handler passed to {@link StreamContext#close}); sends are then refused. Release
   * per-stream resources here. The default does nothing.
   */
  default void onClose(StreamContext context, Status status) {}
}
