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
import io.streamkit.client.TopicStart;
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
import java.util.function.IntToLongFunction;

/**
 * A Subscribe stream that reconnects and delivers every event exactly once, behind both
 * {@link Subscription} (blocking) and {@link SubscriptionHandle} (callbacks).
 *
 * <p>Concurrency: one lock guards the current {@link ClientCall} and all state. gRPC listener callbacks
 * (channel executor) and the reconnect timer take it briefly. Events are classified (duplicate, gap,
 * reset) when the application takes them, in order, so the position of each topic is exactly the last
 * event handed out.
 *
 * <p>Inbound bound: each call requests {@link #PREFETCH} at start and one more per event taken from it;
 * events left queued from a failed call are still delivered (before the new call's), so the queue holds
 * at most twice PREFETCH.
 */
public final class ResumingSubscription implements Subscription, SubscriptionHandle, OpenCalls.Member {
  static final int PREFETCH = 32;

  private record Inbound(Event event, ClientCall<SubscribeRequest, Event> from) {}

  private record Seen(String epoch, long offset) {}

  private final Channel channel;
  private final ScheduledExecutorService timer;
  private final IntToLongFunction backoff; // attempt -> delay nanos, -1 when none is left
  private final OpenCalls openCalls;
  private final Map<String, TopicStart> starts = new LinkedHashMap<>();
  private final SubscriptionListener listener; // null for the blocking form
  private final Executor callbackExecutor;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Iterator<Event> iterator = new Events();

  // Guarded by lock.
  private final Map<String, Seen> seen = new HashMap<>();
  private final ArrayDeque<Inbound> queue = new ArrayDeque<>();
  private ClientCall<SubscribeRequest, Event> call;
  private ScheduledFuture<?> reconnect;
  private int attempts;
  private Event held; // follows a discontinuity already reported
  private Status endStatus; // terminal for the application once the queue is drained
  private Metadata endTrailers;
  private boolean cancelled;
  private boolean endDelivered;
  private boolean draining; // callback form: a drain task is scheduled or running

  private ResumingSubscription(Channel channel, List<TopicStart> topics, IntToLongFunction backoff,
      ScheduledExecutorService timer, OpenCalls openCalls, SubscriptionListener listener,
      Executor callbackExecutor) {
    this.channel = channel;
    this.timer = timer;
    this.backoff = backoff;
    this.openCalls = openCalls;
    this.listener = listener;
    this.callbackExecutor = callbackExecutor;
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
  public static Subscription blocking(Channel channel, List<TopicStart> topics, IntToLongFunction backoff,
      ScheduledExecutorService timer, OpenCalls openCalls) {
    return start(new ResumingSubscription(channel, topics, backoff, timer, openCalls, null, null));
  }

  /** Starts a callback subscription. */
  public static SubscriptionHandle withListener(Channel channel, List<TopicStart> topics,
      IntToLongFunction backoff, ScheduledExecutorService timer, OpenCalls openCalls,
      SubscriptionListener listener, Executor callbackExecutor) {
    Objects.requireNonNull(listener, "listener");
    return start(new ResumingSubscription(channel, topics, backoff, timer, openCalls, listener,
        callbackExecutor));
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
    long remaining;
    try {
      remaining = timeout.toNanos();
    } catch (ArithmeticException e) {
      remaining = Long.MAX_VALUE;
    }
    lock.lockInterruptibly();
    try {
      while (true) {
        Object next = pollLocked();
        if (next instanceof Event e) {
          return e;
        }
        if (next instanceof SubscriptionGapException gap) {
          throw gap;
        }
        if (endStatus != null) {
          if (endStatus.isOk()) {
            return null;
          }
          throw new StreamKitException(endStatus, endTrailers);
        }
        if (remaining <= 0) {
          throw new TimeoutException("no event within " + timeout + "; the subscription is still open");
        }
        remaining = changed.awaitNanos(remaining);
      }
    } finally {
      lock.unlock();
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
  public boolean isOpen() {
    lock.lock();
    try {
      return endStatus == null;
    } finally {
      lock.unlock();
    }
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
      if (reconnect != null) {
        reconnect.cancel(false);
      }
      if (endStatus == null) {
        endStatus = status;
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

  private static boolean retryable(Status status) {
    switch (status.getCode()) {
      case UNAVAILABLE:
        return true;
      case RESOURCE_EXHAUSTED:
        String d = status.getDescription();
        return d != null && d.contains("too slow");
      case INTERNAL:
      case UNKNOWN:
        // A connection lost mid-stream surfaces as these, e.g. UNKNOWN "channel closed" caused by a
        // ClosedChannelException: an I/O failure, not an answer of the server.
        if (status.getCause() instanceof java.io.IOException) {
          return true;
        }
        String m = String.valueOf(status.getDescription()).toLowerCase(java.util.Locale.ROOT);
        return m.contains("channel closed") || m.contains("connection") || m.contains("rst_stream")
            || m.contains("goaway");
      case UNAUTHENTICATED:
      case PERMISSION_DENIED:
        // Credentials and rights do not heal by retrying: end, so that the application sees the status.
        return false;
      default:
        return false;
    }
  }

  private void onCallClosed(ClientCall<SubscribeRequest, Event> from, Status status, Metadata trailers) {
    boolean ended = false;
    lock.lock();
    try {
      if (from != call || cancelled || endStatus != null) {
        return;
      }
      if (!status.isOk() && retryable(status)) {
        long delay = backoff.applyAsLong(++attempts);
        if (delay >= 0) {
          try {
            reconnect = timer.schedule(this::reconnect, delay, TimeUnit.NANOSECONDS);
            return;
          } catch (RejectedExecutionException e) {
            // The client is closing: end with the status below.
          }
        }
      }
      endStatus = status;
      endTrailers = trailers;
      changed.signalAll();
      ended = true;
    } finally {
      lock.unlock();
    }
    if (ended) {
      if (listener == null) {
        openCalls.remove(this);
      } else {
        scheduleDrain();
      }
    }
  }

  private void reconnect() {
    lock.lock();
    try {
      if (cancelled || endStatus != null) {
        return;
      }
      startCallLocked();
    } finally {
      lock.unlock();
    }
  }

  private void onEvent(ClientCall<SubscribeRequest, Event> from, Event event) {
    lock.lock();
    try {
      if (cancelled) {
        return;
      }
      attempts = 0;
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
      Status end = null;
      Metadata trailers = null;
      lock.lock();
      try {
        next = cancelled ? null : pollLocked();
        if (next == null) {
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
        if (next instanceof SubscriptionGapException gap) {
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
