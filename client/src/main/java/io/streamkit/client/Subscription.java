package io.streamkit.client;

import io.streamkit.api.v1.Event;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeoutException;

/**
 * A resuming subscription to one or more topics, for blocking code: take events with
 * {@link #next(Duration)} or by iterating. Returned by {@link StreamKitClient#subscribe(java.util.List)}.
 *
 * <p>Exactly once: per topic the subscription remembers the (epoch, offset) of the last event handed to
 * the application. After a retryable failure it reconnects (see {@link ReconnectPolicy}) and resubscribes
 * after that position; an event it already handed out is dropped. A discontinuity (a gap left by
 * retention, or a reset to a new epoch) is thrown once as {@link SubscriptionGapException} before the event
 * that follows it; the next call returns that event. A start {@link TopicStart#after after} an offset is
 * checked the same way, as if that event had been handed out: a server that no longer has its epoch
 * reports a reset first. Topics never seen are resubscribed with their original start.
 *
 * <p>Flow control: events are requested from the server as they are consumed, at most 32 ahead.
 *
 * <p>Threading: thread-safe, but meant for one consuming thread.
 *
 * <p>Lifecycle: the caller owns it and must {@link #close()} it (try-with-resources); close cancels the
 * stream, drops unread events and is idempotent. An unclosed subscription keeps its stream open and keeps
 * reconnecting until the client is closed.
 */
public interface Subscription extends Iterable<Event>, AutoCloseable {

  /**
   * The next event, waiting at most {@code timeout}.
   *
   * @return the event, or {@code null} once the server ended the subscription with OK
   * @throws TimeoutException if none arrived in time; the subscription stays open
   * @throws SubscriptionGapException once before an event that follows a gap or reset
   * @throws StreamKitException if the subscription ended with an error (not retried, or attempts used up)
   * @throws InterruptedException if interrupted; the subscription stays open
   */
  Event next(Duration timeout) throws InterruptedException, TimeoutException;

  /**
   * The events, in order per topic; single-pass. {@code hasNext()} blocks; it throws what
   * {@link #next(Duration)} throws, and {@link StreamKitException} CANCELLED if interrupted.
   */
  @Override
  Iterator<Event> iterator();

  /** Where to resume {@code topic}: after the last event handed out, or its original start if none was. */
  TopicStart position(String topic);

  /** Whether the subscription has not ended (it is open while reconnecting). */
  boolean isOpen();

  /** Cancels the subscription and drops unread events. Idempotent. */
  @Override
  void close();
}
