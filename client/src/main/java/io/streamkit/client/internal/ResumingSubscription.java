package io.streamkit.client.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.Subscription;
import io.streamkit.client.SubscriptionGapException;
import io.streamkit.client.SubscriptionHandle;
import io.streamkit.client.SubscriptionListener;
import io.streamkit.client.SubscriptionState;
import io.streamkit.client.TopicStart;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.IntToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Subscribe stream that resumes and delivers every event exactly once, behind both {@link Subscription}
 * (blocking) and {@link SubscriptionHandle} (callbacks).
 *
 * <p>Concurrency: one lock guards the current {@link ClientCall} and all state. gRPC listener callbacks (channel
 * executor), the timer and the connection watch take it briefly; application code never runs under it. Events
 * are classified (duplicate, gap, reset) when the application takes them, in order, so the position of each topic
 * is exactly the last event handed out.
 *
 * <p>Resume: a failed stream is retried when its status is retryable (decided by the server's reason, else by the
 * status code; see {@link #retryable}). Attempt n waits the policy's delay n, then, if the connection is
 * RECONNECTING, asks for a connect at once and waits for READY until the time attempt n+1 would start (which is
 * then counted, and asks again). So once the server is back, the subscription is resubscribed within one policy
 * delay plus one connect. The attempt count goes back to zero when the server registers a stream.
 *
 * <p>Inbound bound: each call requests {@link #PREFETCH} at start and one more per event taken from it; events
 * left queued from a failed call are still delivered (before the new call's), so the queue holds at most twice
 * PREFETCH.
 */
public final class ResumingSubscription implements Subscription, SubscriptionHandle, OpenCalls.Member {
  static final int PREFETCH = 32;
  private static final Logger logger = LoggerFactory.getLogger(ResumingSubscription.class);

  private record Inbound(Event event, ClientCall<SubscribeRequest, Event> from) {}

  private record Seen(String epoch, long offset) {}

  /** A state change not yet told to the listener, with the failure that caused RESUMING or ENDED. */
  private record StateNotice(SubscriptionState state, StreamKitException cause) {}

  /** What a blocking subscription does on a gap or reset: the consumer (or a log line), and whether to throw. */
  public record Discontinuities(Consumer<SubscriptionGapException> consumer, boolean stop) {
    /** Continue, logging each one at WARN. */
    public static final Discontinuities LOG = new Discontinuities(null, false);
  }

  private final Channel channel;
  private final ConnectionWatch connection;
  private final ScheduledExecutorService timer;
  private final IntToLongFunction backoff; // attempt -> delay nanos, -1 when none is left
  private final OpenCalls openCalls;
  private final Map<String, TopicStart> starts = new LinkedHashMap<>();
  private final SubscriptionListener listener; // null for the blocking form
  private final Executor callbackExecutor;
  private final Discontinuities discontinuities; // blocking form only
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Iterator<Event> iterator = new Events();

  // Guarded by lock.
  private final Map<String, Seen> seen = new HashMap<>();
  private final ArrayDeque<Inbound> queue = new ArrayDeque<>();
  private final ArrayDeque<StateNotice> notices = new ArrayDeque<>();
  private SubscriptionState state = SubscriptionState.CONNECTING;
  private ClientCall<SubscribeRequest, Event> call;
  private ScheduledFuture<?> nextAttempt;
  private boolean waitingForReady; // an attempt waits for the connection until nextAttempt
  private Runnable stopWaitingForReady;
  private int attempts;
  private StreamKitException lastFailure; // while RESUMING: what is being retried
  private Event held; // follows a discontinuity already reported
  private Status endStatus; // terminal for the application once the queue is drained
  private Metadata endTrailers;
  private boolean cancelled;
  private boolean endDelivered;
  private boolean draining; // callback form: a drain task is scheduled or running

  private ResumingSubscription(Channel channel, ConnectionWatch connection, List<TopicStart> topics,
      IntToLongFunction backoff, ScheduledExecutorService timer, OpenCalls openCalls, SubscriptionListener listener,
      Executor callbackExecutor, Discontinuities discontinuities) {
    this.channel = channel;
    this.connection = connection;
    this.timer = timer;
    this.backoff = backoff;
    this.openCalls = openCalls;
    this.listener = listener;
    this.callbackExecutor = callbackExecutor;
    this.discontinuities = discontinuities;
    for (TopicStart start : topics) {
      if (starts.putIfAbsent(start.topic(), start) != null) {
        throw new IllegalArgumentException("topics: '" + start.topic() + "' twice (expected: each topic once)");
      }
      if (!start.isLive() && start.afterOffset() > 0) {
        // A resume: continuity is checked against it as if that event had been handed out here.
        seen.put(start.topic(), new Seen(start.epoch(), start.afterOffset()));
      }
    }
    if (starts.isEmpty()) {
      throw new IllegalArgumentException("topics: [] (expected: at least one topic)");
    }
  }

  /** Starts a blocking subscription. */
  public static Subscription blocking(Channel channel, ConnectionWatch connection, List<TopicStart> topics,
      IntToLongFunction backoff, ScheduledExecutorService timer, OpenCalls openCalls,
      Discontinuities discontinuities) {
    Objects.requireNonNull(discontinuities, "discontinuities");
    return start(new ResumingSubscription(channel, connection, topics, backoff, timer, openCalls, null, null,
        discontinuities));
  }

  /** Starts a callback subscription. */
  public static SubscriptionHandle withListener(Channel channel, ConnectionWatch connection,
      List<TopicStart> topics, IntToLongFunction backoff, ScheduledExecutorService timer, OpenCalls openCalls,
      SubscriptionListener listener, Executor callbackExecutor) {
    Objects.requireNonNull(listener, "listener");
    return start(new ResumingSubscription(channel, connection, topics, backoff, timer, openCalls, listener,
        callbackExecutor, null));
  }

  private static ResumingSubscription start(ResumingSubscription s) {
    s.lock.lock();
    try {
      s.startCallLocked();
    } finally {
      s.lock.unlock();
    }
    s.openCalls.add(s);
    boolean ended;
    s.lock.lock();
    try {
      ended = s.listener == null ? s.endStatus != null : s.endDelivered;
    } finally {
      s.lock.unlock();
    }
    if (ended) { // ended before it was added: the removal on its end came first
      s.openCalls.remove(s);
    }
    return s;
  }

  private void startCallLocked() {
    SubscribeRequest.Builder request = SubscribeRequest.newBuilder();
    for (TopicStart start : starts.values()) {
      TopicSubscription.Builder topic = TopicSubscription.newBuilder().setTopic(start.topic());
      Seen last = seen.get(start.topic());
      if (last != null) {
        topic.setAfterOffset(last.offset()).setEpoch(last.epoch());
      } else if (!start.isLive()) {
        topic.setAfterOffset(start.afterOffset()).setEpoch(start.epoch());
      }
      request.addTopics(topic);
    }
    ClientCall<SubscribeRequest, Event> c =
        channel.newCall(StreamServiceGrpc.getSubscribeMethod(), CallOptions.DEFAULT);
    call = c;
    c.start(new CallListener(c), new Metadata());
    c.sendMessage(request.build());
    c.halfClose();
    c.request(PREFETCH);
  }

  // ---- application side ------------------------------------------------------------------------

  /** What the application gets next: an Event, a SubscriptionGapException, or null when nothing yet. */
  private Object pollLocked() {
    if (held != null) {
      Event e = held;
      held = null;
      record(e);
      return e;
    }
    while (!queue.isEmpty()) {
      Inbound in = queue.poll();
      if (in.from() == call && endStatus == null) {
        in.from().request(1);
      }
      Event e = in.event();
      Seen last = seen.get(e.getTopic());
      if (last == null) {
        record(e);
        return e;
      }
      // An empty epoch (a resume that did not know it) adopts the first one seen, unless the offset went
      // back: then history rolled back.
      boolean epochUnknown = last.epoch().isEmpty();
      if (epochUnknown ? e.getOffset() <= last.offset() : !last.epoch().equals(e.getEpoch())) {
        held = e;
        return new SubscriptionGapException(e.getTopic(), true, last.offset() + 1, e.getOffset(),
            last.epoch(), e.getEpoch());
      }
      if (e.getOffset() <= last.offset()) {
        continue; // a duplicate after a resubscribe: already handed out
      }
      if (e.getOffset() > last.offset() + 1) {
        held = e;
        return new SubscriptionGapException(e.getTopic(), false, last.offset() + 1, e.getOffset(),
            last.epoch(), e.getEpoch());
      }
      record(e);
      return e;
    }
    return null;
  }

  private void record(Event e) {
    seen.put(e.getTopic(), new Seen(e.getEpoch(), e.getOffset()));
  }

  @Override
  public Event next(Duration timeout) throws InterruptedException, TimeoutException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
    }
    checkBlocking();
    long deadline = System.nanoTime() + saturatedNanos(timeout);
    while (true) {
      SubscriptionGapException gap;
      lock.lockInterruptibly();
      try {
        Object next;
        while ((next = pollLocked()) == null) {
          if (endStatus != null) {
            if (endStatus.isOk()) {
              return null;
            }
            throw new StreamKitException(endStatus, endTrailers);
          }
          long remaining = deadline - System.nanoTime();
          if (remaining <= 0) {
            throw new TimeoutException("no event within " + timeout + "; the subscription is still open ("
                + state + ")");
          }
          changed.awaitNanos(remaining);
        }
        if (next instanceof Event e) {
          return e;
        }
        gap = (SubscriptionGapException) next;
      } finally {
        lock.unlock();
      }
      report(gap); // outside the lock: application code; the event that follows is held for the next poll
      if (discontinuities.stop()) {
        throw gap;
      }
    }
  }

  private void report(SubscriptionGapException gap) {
    if (discontinuities.consumer() != null) {
      discontinuities.consumer().accept(gap);
    } else if (!discontinuities.stop()) {
      logger.warn("{}", gap.getMessage());
    }
  }

  private static long saturatedNanos(Duration timeout) {
    try {
      return Math.min(timeout.toNanos(), Long.MAX_VALUE / 2); // deadline arithmetic must not overflow
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2;
    }
  }

  @Override
  public Iterator<Event> iterator() {
    checkBlocking();
    return iterator;
  }

  @Override
  public TopicStart position(String topic) {
    lock.lock();
    try {
      TopicStart start = starts.get(topic);
      if (start == null) {
        throw new IllegalArgumentException("topic: '" + topic + "' (expected: one of " + starts.keySet() + ")");
      }
      Seen last = seen.get(topic);
      return last == null ? start : TopicStart.after(topic, last.offset(), last.epoch());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public SubscriptionState state() {
    lock.lock();
    try {
      return state;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isOpen() {
    return state() != SubscriptionState.ENDED;
  }

  @Override
  public void close() {
    cancel(Status.CANCELLED.withDescription("subscription closed by the application"));
  }

  @Override
  public void cancel() {
    close();
  }

  @Override
  public void cancel(Status status) {
    ClientCall<SubscribeRequest, Event> toCancel;
    lock.lock();
    try {
      if (cancelled || endStatus != null && (listener == null || endDelivered)) {
        return;
      }
      cancelled = true;
      toCancel = endStatus == null ? call : null;
      stopRetryingLocked();
      if (endStatus == null) {
        endStatus = status;
        moveToLocked(SubscriptionState.ENDED, new StreamKitException(status));
      }
      queue.clear();
      held = null;
      changed.signalAll();
      if (toCancel != null) {
        toCancel.cancel(status.getDescription(), status.getCause());
      }
    } finally {
      lock.unlock();
    }
    if (listener == null) {
      openCalls.remove(this);
    } else {
      scheduleDrain();
    }
  }

  private void checkBlocking() {
    if (listener != null) {
      throw new IllegalStateException("a listener subscription has no next()/iterator()");
    }
  }

  // ---- transport side ---------------------------------------------------------------------------

  /**
   * Whether a subscription ended by {@code failure} subscribes again. By the server's reason when it sent one;
   * else by the status code: UNAVAILABLE (the connection or the server is gone), or an I/O failure this client
   * saw (a lost connection can surface as UNKNOWN or INTERNAL caused by an IOException). Never on anything the
   * application must fix: a bad request, missing rights or credentials.
   */
  static boolean retryable(StreamKitException failure) {
    switch (failure.reason()) {
      case SUBSCRIBER_TOO_SLOW: // resume after the last event taken; the server named the same position
      case SERVER_SHUTTING_DOWN:
      case BROKER_UNAVAILABLE:
      case STREAM_IDLE: // a quiet topic: the subscription is healthy
      case OUTBOUND_BUFFER_FULL:
        return true;
      case TOPIC_INVALID:
      case SUBSCRIBE_REQUEST_INVALID:
      case NOT_AUTHORIZED:
      case REQUEST_MALFORMED:
        return false;
      default:
        break; // no reason, or one that is not about subscriptions: the status code decides
    }
    Status status = failure.status();
    return switch (status.getCode()) {
      case UNAVAILABLE -> true;
      case INTERNAL, UNKNOWN -> isIoFailure(status.getCause());
      default -> false; // UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT, RESOURCE_EXHAUSTED, ...
    };
  }

  private static boolean isIoFailure(Throwable cause) {
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  private void onCallClosed(ClientCall<SubscribeRequest, Event> from, Status status, Metadata trailers) {
    lock.lock();
    try {
      if (from != call || cancelled || endStatus != null) {
        return;
      }
      StreamKitException failure = status.isOk() ? null : new StreamKitException(status, trailers);
      if (failure == null || !retryable(failure) || !scheduleAttemptLocked(++attempts, failure)) {
        endLocked(status, trailers);
      }
    } finally {
      lock.unlock();
    }
    afterEnd(); // the listener hears RESUMING, or the end
  }

  /** Schedules attempt {@code n} after its delay; false when the policy has no attempt left. */
  private boolean scheduleAttemptLocked(int n, StreamKitException failure) {
    long delay = backoff.applyAsLong(n);
    if (delay < 0) {
      return false;
    }
    try {
      nextAttempt = timer.schedule(this::attempt, delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return false; // the client is closing: end with the status
    }
    lastFailure = failure;
    moveToLocked(SubscriptionState.RESUMING, failure);
    return true;
  }

  /** Attempt number {@code attempts}: subscribe now if a connection can be had, else wait for one. */
  private void attempt() {
    lock.lock();
    try {
      if (cancelled || endStatus != null) {
        return;
      }
      nextAttempt = null;
      if (!connection.isReconnecting()) {
        startCallLocked();
        return;
      }
      // The last connect failed: ask for one now instead of after gRPC's backoff, and wait for it until the
      // next attempt is due (the last attempt waits its own delay). A fail-fast call now would fail at once: the
      // channel stays in TRANSIENT_FAILURE until a connection is READY.
      long next = backoff.applyAsLong(attempts + 1);
      long wait = next >= 0 ? next : Math.max(0, backoff.applyAsLong(attempts));
      try {
        nextAttempt = timer.schedule(this::attemptTimedOut, wait, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        return; // the client is closing; its close cancels this subscription
      }
      waitingForReady = true;
    } finally {
      lock.unlock();
    }
    connection.reconnectNow();
    Runnable stop = connection.whenReady(this::connected); // may run connected() right here
    lock.lock();
    try {
      if (waitingForReady) {
        stopWaitingForReady = stop;
      }
    } finally {
      lock.unlock();
    }
  }

  /** The connection became READY while an attempt waited for it. */
  private void connected() {
    lock.lock();
    try {
      if (cancelled || endStatus != null || !waitingForReady) {
        return;
      }
      waitingForReady = false;
      stopWaitingForReady = null;
      if (nextAttempt != null) {
        nextAttempt.cancel(false);
        nextAttempt = null;
      }
      startCallLocked();
    } finally {
      lock.unlock();
    }
  }

  /** The attempt found no connection before the next was due: count it, and make the next one now. */
  private void attemptTimedOut() {
    boolean ended = false;
    lock.lock();
    try {
      if (cancelled || endStatus != null || !waitingForReady) {
        return;
      }
      stopRetryingLocked();
      attempts++;
      if (backoff.applyAsLong(attempts) < 0) {
        endLocked(lastFailure.status(), lastFailure.trailers());
        ended = true;
      }
    } finally {
      lock.unlock();
    }
    if (ended) {
      afterEnd();
    } else {
      attempt();
    }
  }

  private void stopRetryingLocked() {
    if (nextAttempt != null) {
      nextAttempt.cancel(false);
      nextAttempt = null;
    }
    if (stopWaitingForReady != null) {
      stopWaitingForReady.run();
      stopWaitingForReady = null;
    }
    waitingForReady = false;
  }

  private void endLocked(Status status, Metadata trailers) {
    stopRetryingLocked();
    endStatus = status;
    endTrailers = trailers;
    moveToLocked(SubscriptionState.ENDED, status.isOk() ? null : new StreamKitException(status, trailers));
    changed.signalAll();
  }

  /** After a state change: a blocking subscription that ended leaves the open calls; a listener is told. */
  private void afterEnd() {
    if (listener != null) {
      scheduleDrain();
      return;
    }
    boolean ended;
    lock.lock();
    try {
      ended = endStatus != null;
    } finally {
      lock.unlock();
    }
    if (ended) {
      openCalls.remove(this);
    }
  }

  private void moveToLocked(SubscriptionState next, StreamKitException cause) {
    if (state == next || state == SubscriptionState.ENDED) {
      return;
    }
    state = next;
    if (listener != null) {
      notices.add(new StateNotice(next, cause));
    }
    changed.signalAll();
  }

  private void onHeaders(ClientCall<SubscribeRequest, Event> from) {
    lock.lock();
    try {
      if (from != call || cancelled || endStatus != null) {
        return;
      }
      attempts = 0; // the server registered this stream: the connection and the request are good
      lastFailure = null;
      moveToLocked(SubscriptionState.LIVE, null);
    } finally {
      lock.unlock();
    }
    if (listener != null) {
      scheduleDrain();
    }
  }

  private void onEvent(ClientCall<SubscribeRequest, Event> from, Event event) {
    lock.lock();
    try {
      if (cancelled) {
        return;
      }
      if (from == call) {
        attempts = 0;
        moveToLocked(SubscriptionState.LIVE, null); // a server that sends no headers first still counts
      }
      queue.add(new Inbound(event, from));
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (listener != null) {
      scheduleDrain();
    }
  }

  private final class CallListener extends ClientCall.Listener<Event> {
    private final ClientCall<SubscribeRequest, Event> call;

    CallListener(ClientCall<SubscribeRequest, Event> call) {
      this.call = call;
    }

    @Override
    public void onHeaders(Metadata headers) {
      ResumingSubscription.this.onHeaders(call);
    }

    @Override
    public void onMessage(Event message) {
      onEvent(call, message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      onCallClosed(call, status, trailers);
    }
  }

  // ---- callback form ----------------------------------------------------------------------------

  private void scheduleDrain() {
    lock.lock();
    try {
      if (draining || endDelivered) {
        return;
      }
      draining = true;
    } finally {
      lock.unlock();
    }
    try {
      callbackExecutor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      lock.lock();
      try {
        draining = false; // the executor is gone: nothing can be delivered any more
      } finally {
        lock.unlock();
      }
      openCalls.remove(this);
    }
  }

  /** Delivers what is queued, one callback at a time; at most one drain runs per subscription. */
  private void drain() {
    while (true) {
      Object next;
      StateNotice notice;
      Status end = null;
      Metadata trailers = null;
      lock.lock();
      try {
        notice = notices.poll();
        next = notice != null || cancelled ? null : pollLocked();
        if (notice == null && next == null) {
          if (endStatus != null && !endDelivered) {
            endDelivered = true;
            end = endStatus;
            trailers = endTrailers;
          } else {
            draining = false;
            return;
          }
        }
      } finally {
        lock.unlock();
      }
      if (end != null) {
        try {
          if (end.isOk()) {
            listener.onCompleted();
          } else {
            listener.onError(new StreamKitException(end, trailers));
          }
        } finally {
          openCalls.remove(this);
        }
        return;
      }
      try {
        if (notice != null) {
          listener.onStateChange(notice.state(), notice.cause());
        } else if (next instanceof SubscriptionGapException gap) {
          if (gap.isReset()) {
            listener.onReset(gap.topic(), gap.oldEpoch(), gap.newEpoch());
          } else {
            listener.onGap(gap.topic(), gap.expectedOffset(), gap.actualOffset());
          }
        } else {
          listener.onEvent((Event) next);
        }
      } catch (RuntimeException | Error t) {
        cancel(Status.CANCELLED.withDescription("the listener threw").withCause(t));
      }
    }
  }

  private final class Events implements Iterator<Event> {
    private Event peeked;

    @Override
    public boolean hasNext() {
      if (peeked != null) {
        return true;
      }
      try {
        peeked = ResumingSubscription.this.next(Duration.ofNanos(Long.MAX_VALUE));
      } catch (InterruptedException e) {
        Status status = Status.CANCELLED.withDescription("interrupted while waiting for an event").withCause(e);
        cancel(status);
        Thread.currentThread().interrupt();
        throw new StreamKitException(status);
      } catch (TimeoutException e) {
        throw new AssertionError("waited forever", e);
      }
      return peeked != null;
    }

    @Override
    public Event next() {
      if (!hasNext()) {
        throw new NoSuchElementException("the subscription ended with OK");
      }
      Event e = peeked;
      peeked = null;
      return e;
    }
  }
}
