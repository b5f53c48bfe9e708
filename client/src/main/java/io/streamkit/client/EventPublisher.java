package io.streamkit.client;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.PublishAck;
import java.util.Map;

/**
 * One Publish stream, for blocking code that publishes many events in order: {@link #publish} them, then
 * {@link #complete()} to get the server's acknowledgement. Returned by {@link StreamKitClient#publisher()}. For
 * one event acknowledged on its own, use {@link StreamKitClient#publish(String, ByteString)} instead.
 *
 * <p>Acknowledgement: {@code publish} returning means the event was handed to the transport, not that it is
 * stored. The server stores the events in order and acknowledges them all at once, on {@link #complete()} (or
 * {@link #close()}): the {@link PublishAck} counts them and gives the last offset per topic. If the stream fails
 * instead, the failure says how many events sent on it were not acknowledged (the server's own message, when it
 * sent one, says how many before the failing one it stored).
 *
 * <p>Flow control: {@link #publish} blocks while the stream is not ready, so a fast publisher waits for the
 * server instead of filling memory.
 *
 * <p>Threading: thread-safe; several threads may publish (each event goes out whole, in the order the publishes
 * got through).
 *
 * <p>Lifecycle: the caller owns it and closes it, best with try-with-resources. {@link #close()} never drops
 * events silently: if events were sent and their outcome was not reported yet, it completes the stream and waits
 * for the acknowledgement (at most the client's {@link StreamKitClient.Builder#defaultDeadline default deadline}),
 * and throws if they were not all acknowledged. Not resuming: a failure ends the stream; publish the events that
 * were not acknowledged again on a new one.
 */
public interface EventPublisher extends AutoCloseable {

  /** {@link #publish(String, ByteString, Map)} without headers. */
  void publish(String topic, ByteString payload) throws InterruptedException;

  /**
   * Sends one event, first waiting until the stream is ready.
   *
   * @throws IllegalArgumentException if {@code topic} breaks the topic rule (1 to 256 characters of
   *     {@code [A-Za-z0-9._:/-]}); the event was not sent and the stream stays usable
   * @throws StreamKitException if the stream ended: "the Publish stream never opened (cannot connect to ...)" when
   *     it never reached the server, else "the Publish stream failed (...); N event(s) sent on it were not
   *     acknowledged", with the status code and reason of the failure
   * @throws IllegalStateException after {@link #complete()} or {@link #close()}
   * @throws InterruptedException if interrupted while waiting; the event was not sent
   */
  void publish(String topic, ByteString payload, Map<String, String> headers) throws InterruptedException;

  /**
   * Half-closes and waits for the acknowledgement: how many events were stored, and the last offset per topic.
   * Calling it again, or after a {@link #close()} that received the acknowledgement, returns the same one.
   *
   * @throws StreamKitException if the stream failed, saying how many events were not acknowledged
   * @throws IllegalStateException after a {@link #close()} that cancelled the stream (nothing had been sent) or
   *     failed
   * @throws InterruptedException if interrupted while waiting; the stream stays half-closed
   */
  PublishAck complete() throws InterruptedException;

  /**
   * Ends the stream. If events were sent and neither {@link #complete()} nor a failed {@link #publish} reported
   * their outcome, completes the stream and waits for the acknowledgement first. Idempotent.
   *
   * @throws StreamKitException if those events were not all acknowledged: the stream failed, no acknowledgement
   *     came within the client's default deadline (DEADLINE_EXCEEDED), or the wait was interrupted (CANCELLED,
   *     with the thread's interrupt flag set again); the message says how many events that concerns
   */
  @Override
  void close();
}
