package io.streamkit.client;

/**
 * The outbound side of a callback-style stream, returned by
 * {@link StreamKitClient#bidi(io.grpc.MethodDescriptor, StreamListener)}; inbound messages go to the
 * {@link StreamListener} given there.
 *
 * <p>Threading: thread-safe. Every method may be called from any thread, including from inside a
 * {@link StreamListener} callback, and none of them blocks.
 *
 * <p>Outbound buffer: {@link #send} hands a message straight to the transport while the stream is ready.
 * While it is not (the server reads slower than we send), messages wait in a per-stream buffer of at most
 * {@code maxQueuedBytes} (see {@link StreamKitClient.Builder#maxQueuedBytes(long)}), sent in order when the
 * stream becomes ready again. A send that would overflow it fails with RESOURCE_EXHAUSTED instead of
 * blocking or growing memory: pace sends with {@link #isReady()} and {@link StreamListener#onReady()}.
 *
 * <p>Lifecycle: the stream is opened when the handle is returned. End it with {@link #closeSend()} (the
 * server then finishes it) or {@link #cancel(String)}; closing the {@link StreamKitClient} cancels it.
 * A handle that is dropped while its stream is open keeps the stream open until the server ends it or the
 * client is closed.
 *
 * @param <ReqT> the outbound message type
 */
public interface StreamHandle<ReqT> {

  /**
   * Sends {@code message}, or queues it while the stream is not ready. Never blocks.
   *
   * @throws StreamKitException with RESOURCE_EXHAUSTED if the outbound buffer would exceed
   *     {@code maxQueuedBytes} (the message is dropped, the stream stays open); with the stream's status
   *     if the stream already ended ("stream already closed with status X (...)", or "stream never opened (...)"
   *     when it failed before reaching the server, e.g. "UNAVAILABLE: stream never opened (cannot connect to ...)")
   * @throws IllegalStateException if {@link #closeSend()} was called, or the server already completed the stream
   *     (with OK: nothing failed)
   */
  void send(ReqT message);

  /**
   * Whether a {@link #send} now would go straight to the transport: the stream is open, not half-closed,
   * nothing is queued and the transport is ready.
   */
  boolean isReady();

  /** Whether the stream has not ended yet. A half-closed stream is still open. */
  boolean isOpen();

  /**
   * Half-closes: no more messages will be sent. Messages already queued are sent first. Idempotent; does
   * nothing once the stream ended.
   */
  void closeSend();

  /**
   * Cancels the stream if it is still open: queued messages are dropped, the server sees the
   * cancellation, and the listener gets {@code onError} with CANCELLED and {@code reason}. Idempotent.
   */
  void cancel(String reason);
}
