package io.streamkit.client;

import io.streamkit.api.v1.Event;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeoutException;

/**
 * A resuming subscription to one or more topics, for blocking code: take events with {@link #next(Duration)} or
 * by iterating. Returned by {@link StreamKitClient#subscribe(java.util.List)}.
 *
 * <p>A loop over it survives: a lost connection, a server restart, a server shutting down, a subscriber ended as
 * too slow and an unavailable broker are retried (see {@link ReconnectPolicy}; {@link #state()} is
 * {@link SubscriptionState#RESUMING} meanwhile), and a gap or reset is reported and the loop goes on (see
 * {@link SubscribeOptions}, which also has the strict mode). The loop ends only when the server ends the
 * subscription with OK ({@code hasNext()} false), with a status that is not retried (INVALID_ARGUMENT for a bad
 * request, PERMISSION_DENIED, UNAUTHENTICATED: {@link StreamKitException}), when the attempts run out, or on
 * {@link #close()}.
 *
 * <p>Exactly once: per topic the subscription remembers the (epoch, offset) of the last event handed to the
 * application, and resubscribes after that position; an event it already handed out is dropped. A discontinuity
 * (a gap left by retention, or a reset to a new epoch) is reported once, before the event that follows it. A
 * start {@link TopicStart#after after} an offset is checked the same way, as if that event had been handed out: a
 * server that no longer has its epoch reports a reset first. Topics never seen are resubscribed with their
 * original start.
 *
 * <p>Flow control: events are requested from the server as they are consumed, at most 32 ahead.
 *
 * <p>Threading: thread-safe, but meant for one consuming thread, on which the discontinuity consumer runs too.
 *
 * <p>Lifecycle: the caller owns it and must {@link #close()} it (try-with-resources); close cancels the stream,
 * drops unread events and is idempotent. An unclosed subscription keeps its stream open and keeps resuming until
 * the client is closed.
 */
public interface Subscription extends Iterable<Event>, AutoCloseable {

  /**
   * The next event, waiting at most {@code timeout}.
   *
   * @return the event, or {@code null} once the server ended the subscription with OK
   * @throws TimeoutException if none arrived in time; the subscription stays open
   * @throws SubscriptionGapException in strict mode ({@link SubscribeOptions.Builder#stopOnDiscontinuity()}) only:
   *     once before an event that follows a gap or reset; the next call returns that event
   * @throws StreamKitException if the subscription ended with an error (not retried, or attempts used up), or
   *     was closed (CANCELLED)
   * @throws InterruptedException if interrupted; the subscription stays open
   */
  Event next(Duration timeout) throws InterruptedException, TimeoutException;

  /**
   * The events, in order per topic; single-pass. {@code hasNext()} blocks; it throws what
   * {@link #next(Duration)} throws, and {@link StreamKitException} CANCELLED if interrupted (which also closes the
   * subscription and leaves the thread's interrupt flag set).
   */
  @Override
  Iterator<Event> iterator();

  /**
   * Where to resume {@code topic}: after the last event handed out, or its original start if none was.
   *
   * @throws IllegalArgumentException if {@code topic} is not one of this subscription's
   */
  TopicStart position(String topic);

  /** Where the subscription is now: CONNECTING, LIVE, RESUMING or ENDED. May be called from any thread. */
  SubscriptionState state();

  /** Whether the subscription has not ended ({@link #state()} is not ENDED): it is open while resuming. */
  boolean isOpen();

  /** Cancels the subscription and drops unread events; later calls of {@code next()} throw CANCELLED. Idempotent. */
  @Override
  void close();
}
