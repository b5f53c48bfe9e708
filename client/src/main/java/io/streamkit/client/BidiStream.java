package io.streamkit.client;

import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeoutException;

/**
 * A bidirectional stream for blocking code: {@link #send} outbound messages, and read inbound ones with
 * {@link #receive(Duration)} or by iterating. Returned by {@link StreamKitClient#bidi(io.grpc.MethodDescriptor)}
 * and {@link StreamKitClient#chat()}.
 *
 * <p>Threading: thread-safe. Several threads may send at once (their messages go out one at a time, each
 * whole) while other threads receive; all blocking happens on the calling thread.
 *
 * <p>Flow control, both ways: {@link #send} blocks while the stream is not ready, so a fast sender waits
 * for a slow server instead of filling memory. Inbound, replies are requested from the server only as
 * they are consumed: at most 16 are requested ahead of the reader, so a slow reader slows the server down
 * instead of buffering without bound.
 *
 * <p>Lifecycle: the caller owns the stream and must {@link #close()} it, best with try-with-resources.
 * {@code close()} cancels the stream if it has not ended (the server sees the cancellation) and drops the
 * replies not yet read; it is idempotent. An open stream that is never closed stays open, with its
 * buffered replies, until the server ends it or the {@link StreamKitClient} is closed.
 *
 * @param <ReqT> the outbound message type
 * @param <RespT> the inbound message type
 */
public interface BidiStream<ReqT, RespT> extends Iterable<RespT>, AutoCloseable {

  /**
   * Sends {@code message}, first waiting, for as long as it takes, until the stream is ready.
   *
   * @throws InterruptedException if interrupted while waiting; the message was not sent and the stream
   *     stays open
   * @throws StreamKitException with the stream's status if the stream failed or was cancelled, before or while waiting
   *     ("stream already closed with status X (...)", or "stream never opened (...)" when it failed before reaching
   *     the server, e.g. "UNAVAILABLE: stream never opened (cannot connect to ...)")
   * @throws IllegalStateException if {@link #closeSend()} was called, or the server already completed the stream
   *     (with OK: nothing failed)
   */
  void send(ReqT message) throws InterruptedException;

  /**
   * Takes the next inbound message, waiting at most {@code timeout} for one. Replies that arrived before
   * the stream ended are all returned before the end is reported.
   *
   * @param timeout how long to wait; zero only takes a reply that is already here
   * @return the next message, or {@code null} at the end of a stream the server completed with OK
   * @throws TimeoutException if no message arrived within {@code timeout}; the stream is still open and
   *     a later receive may return a message
   * @throws StreamKitException with the status if the stream ended with an error or was cancelled
   * @throws InterruptedException if interrupted while waiting; the stream stays open
   */
  RespT receive(Duration timeout) throws InterruptedException, TimeoutException;

  /**
   * The inbound messages, in order. Single-pass: every call returns the same iterator, and messages taken
   * by {@link #receive(Duration)} are not seen again. {@code hasNext()} blocks until a message arrives or
   * the stream ends; it returns {@code false} at the end of a stream completed with OK, and throws
   * {@link StreamKitException} with the status if the stream ended otherwise. If the waiting thread is
   * interrupted, the stream is cancelled and {@code hasNext()} throws {@link StreamKitException} with
   * CANCELLED, leaving the thread's interrupt flag set.
   */
  @Override
  Iterator<RespT> iterator();

  /**
   * Half-closes: no more messages will be sent; inbound messages keep arriving until the server ends the
   * stream. Idempotent; does nothing once the stream ended.
   */
  void closeSend();

  /** Whether the stream has not ended yet. A half-closed stream is still open. */
  boolean isOpen();

  /**
   * Cancels the stream if it has not ended, and drops unread replies; senders and receivers blocked on
   * it wake up with CANCELLED. Idempotent.
   */
  @Override
  void close();
}
