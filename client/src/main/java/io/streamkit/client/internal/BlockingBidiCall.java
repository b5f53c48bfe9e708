package io.streamkit.client.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.streamkit.client.BidiStream;
import io.streamkit.client.StreamKitException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The flow-controlled blocking stream behind {@link BidiStream}.
 *
 * <p>Concurrency: one lock guards the {@link ClientCall} (which is not thread-safe) and all state below.
 * Callers block on its two conditions, never while holding it otherwise. The call's listener runs on the
 * channel's executor (not on a transport thread), takes the same lock briefly and signals.
 *
 * <p>Inbound bound: {@link #PREFETCH} messages are requested at start and one more each time the caller
 * takes one, so queued plus requested never exceeds {@code PREFETCH}: the queue is bounded by
 * construction and a slow reader pushes back on the server through HTTP/2 flow control.
 *
 * <p>Outbound bound: {@code send} waits until {@link ClientCall#isReady()} before handing the message to
 * the call, so at most one message per sending thread goes past the transport's ready threshold.
 */
public final class BlockingBidiCall<ReqT, RespT> implements BidiStream<ReqT, RespT>, OpenCalls.Member {
  /** Inbound messages requested ahead of the reader. */
  static final int PREFETCH = 16;

  private final ClientCall<ReqT, RespT> call;
  private final OpenCalls openCalls;
  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when the call may have become ready, and when the stream ends or half-closes. */
  private final Condition readyOrEnded = lock.newCondition();
  /** Signalled when a message arrives and when the stream ends. */
  private final Condition messageOrEnded = lock.newCondition();
  private final Iterator<RespT> iterator = new Messages();

  // Guarded by lock.
  private final ArrayDeque<RespT> inbound = new ArrayDeque<>();
  private Status endStatus;
  private Metadata endTrailers;
  private boolean halfClosed;

  /** Set once the request headers were written: the stream reached the network. */
  private volatile boolean opened;

  private BlockingBidiCall(Channel channel, MethodDescriptor<ReqT, RespT> method, OpenCalls openCalls) {
    this.call = channel.newCall(method, CallOptions.DEFAULT.withStreamTracerFactory(
        HeadersSent.then(() -> opened = true)));
    this.openCalls = openCalls;
  }

  /** Opens a stream of {@code method} (which must be bidi streaming) on {@code channel}, without deadline. */
  public static <ReqT, RespT> BlockingBidiCall<ReqT, RespT> start(
      Channel channel, MethodDescriptor<ReqT, RespT> method, OpenCalls openCalls) {
    BlockingBidiCall<ReqT, RespT> stream = new BlockingBidiCall<>(channel, method, openCalls);
    stream.lock.lock();
    try {
      stream.call.start(stream.new Listener(), new Metadata());
      stream.call.request(PREFETCH);
    } finally {
      stream.lock.unlock();
    }
    openCalls.add(stream);
    if (!stream.isOpen()) { // ended before it was added: the removal on its end came first
      openCalls.remove(stream);
    }
    return stream;
  }

  @Override
  public void send(ReqT message) throws InterruptedException {
    Objects.requireNonNull(message, "message");
    lock.lockInterruptibly();
    try {
      while (true) {
        if (endStatus != null) {
          throw StreamErrors.alreadyClosed(endStatus, endTrailers, opened);
        }
        if (halfClosed) {
          throw new IllegalStateException("send after closeSend(): the outbound side is half-closed");
        }
        // isReady() is re-checked after every wake-up: onReady can fire spuriously, and another sender
        // may have used the readiness first.
        if (call.isReady()) {
          break;
        }
        readyOrEnded.await();
      }
      call.sendMessage(message);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public RespT receive(Duration timeout) throws InterruptedException, TimeoutException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
    }
    long remaining = saturatedNanos(timeout);
    lock.lockInterruptibly();
    try {
      while (inbound.isEmpty()) {
        if (endStatus != null) {
          if (endStatus.isOk()) {
            return null;
          }
          throw new StreamKitException(endStatus, endTrailers);
        }
        if (remaining <= 0) {
          throw new TimeoutException("no inbound message within " + timeout + "; the stream is still open");
        }
        remaining = messageOrEnded.awaitNanos(remaining);
      }
      return takeLocked();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Iterator<RespT> iterator() {
    return iterator;
  }

  @Override
  public void closeSend() {
    lock.lock();
    try {
      if (endStatus != null || halfClosed) {
        return;
      }
      halfClosed = true;
      call.halfClose();
      readyOrEnded.signalAll(); // blocked senders now fail: the caller half-closed under them
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
    cancel(Status.CANCELLED.withDescription("BidiStream closed by the caller before the end of the stream"));
  }

  @Override
  public void cancel(Status status) {
    lock.lock();
    try {
      if (endStatus != null) {
        return;
      }
      // The stream ends now for this side, without waiting for the listener's onClose: unread messages are
      // dropped (nothing keeps them alive: grpc-java #2409) and blocked threads wake up with the status.
      endLocked(status, null);
      inbound.clear();
      call.cancel(status.getDescription(), status.getCause());
    } finally {
      lock.unlock();
    }
    openCalls.remove(this);
  }

  private void endLocked(Status status, Metadata trailers) {
    endStatus = status;
    endTrailers = trailers;
    readyOrEnded.signalAll();
    messageOrEnded.signalAll();
  }

  private RespT takeLocked() {
    RespT message = inbound.poll();
    if (endStatus == null) {
      call.request(1);
    }
    return message;
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE; // longer than 292 years: wait "forever"
    }
  }

  private final class Messages implements Iterator<RespT> {
    @Override
    public boolean hasNext() {
      lock.lock();
      try {
        while (inbound.isEmpty()) {
          if (endStatus != null) {
            if (endStatus.isOk()) {
              return false;
            }
            throw new StreamKitException(endStatus, endTrailers);
          }
          try {
            messageOrEnded.await();
          } catch (InterruptedException e) {
            Status status = Status.CANCELLED
                .withDescription("interrupted while waiting for an inbound message").withCause(e);
            cancel(status);
            Thread.currentThread().interrupt();
            throw new StreamKitException(status);
          }
        }
        return true;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public RespT next() {
      lock.lock();
      try {
        if (!hasNext()) {
          throw new NoSuchElementException("the stream ended with OK");
        }
        return takeLocked();
      } finally {
        lock.unlock();
      }
    }
  }

  private final class Listener extends ClientCall.Listener<RespT> {
    @Override
    public void onMessage(RespT message) {
      lock.lock();
      try {
        if (endStatus == null) { // else cancelled by the caller: drop
          inbound.add(message);
          messageOrEnded.signal();
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onReady() {
      lock.lock();
      try {
        readyOrEnded.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      lock.lock();
      try {
        if (endStatus == null) { // else already ended by a cancel from this side
          endLocked(status, trailers);
        }
      } finally {
        lock.unlock();
      }
      openCalls.remove(BlockingBidiCall.this);
    }
  }
}
