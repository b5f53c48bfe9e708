package io.streamkit.client;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.PublishAck;
import java.util.Map;

/**
 * One Publish stream, for blocking code: {@link #publish} events in order, then {@link #complete()} to get
 * the server's acknowledgement. Returned by {@link StreamKitClient#publisher()}.
 *
 * <p>Flow control: {@link #publish} blocks while the stream is not ready, so a fast publisher waits for
 * the server instead of filling memory.
 *
 * <p>Threading: thread-safe; several threads may publish (each event goes out whole, in the order the
 * publishes got through).
 *
 * <p>Lifecycle: the caller owns it; {@link #close()} cancels it if it was not completed (events already
 * stored stay published) and is idempotent. Not reconnecting: a failure ends it.
 */
public interface EventPublisher extends AutoCloseable {

  /** {@link #publish(String, ByteString, Map)} without headers. */
  void publish(String topic, ByteString payload) throws InterruptedException;

  /**
   * Sends one event, first waiting until the stream is ready.
   *
   * @throws StreamKitException with the server's status if the stream ended (e.g. INVALID_ARGUMENT for a
   *     bad topic sent before)
   * @throws IllegalStateException after {@link #complete()}
   * @throws InterruptedException if interrupted while waiting; the event was not sent
   */
  void publish(String topic, ByteString payload, Map<String, String> headers) throws InterruptedException;

  /**
   * Half-closes and waits for the acknowledgement: how many events were stored, and the last offset per
   * topic.
   *
   * @throws StreamKitException with the server's status if the stream failed
   */
  PublishAck complete() throws InterruptedException;

  /** Cancels the stream unless it was completed. Idempotent. */
  @Override
  void close();
}
