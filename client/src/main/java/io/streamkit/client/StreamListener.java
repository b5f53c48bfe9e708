package io.streamkit.client;

/**
 * Receives the inbound side of a callback-style stream opened with
 * {@link StreamKitClient#bidi(io.grpc.MethodDescriptor, StreamListener)}.
 *
 * <p>Threading: callbacks for one stream are serialized: never two at once, in the order the events
 * happened, each seeing the effects of the one before. They run on the client's callback executor, never
 * on a transport event loop, so a callback may block briefly; while it does, this stream receives no
 * further message (the next one is requested from the server only after {@link #onMessage} returns).
 * Callbacks may call {@link StreamHandle#send} and the handle's other methods, which never block.
 *
 * <p>Lifecycle: the stream ends with exactly one call of {@link #onCompleted()} or {@link #onError}, after
 * which no callback is made. A cancel from this side (including closing the client) ends it with
 * {@code onError} and status CANCELLED. If {@link #onMessage} throws, the stream is cancelled and
 * {@code onError} receives CANCELLED with the thrown exception as its cause.
 *
 * <p>Methods added to this interface later will have no-op defaults, like {@link #onCompleted()} and
 * {@link #onReady()}.
 *
 * @param <RespT> the inbound message type
 */
public interface StreamListener<RespT> {

  /** One inbound message. The next is requested from the server when this returns. */
  void onMessage(RespT message);

  /** The stream ended with a status other than OK. Terminal: no callback follows. */
  void onError(StreamKitException error);

  /** The server ended the stream with OK. Terminal: no callback follows. Does nothing by default. */
  default void onCompleted() {}

  /**
   * The stream became ready: {@link StreamHandle#isReady()} turned true and the outbound buffer is empty,
   * so a {@code send} now goes straight to the transport. May be called spuriously; check
   * {@link StreamHandle#isReady()}. Does nothing by default.
   */
  default void onReady() {}
}
