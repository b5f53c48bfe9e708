package io.streamkit.client.internal;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.TopicNames;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.StreamKitException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Publish stream behind {@link EventPublisher}.
 *
 * <p>Concurrency: one lock guards the {@link ClientCall} and the state; publishers wait on one condition
 * for readiness or the end, exactly like {@link BlockingBidiCall#send}.
 *
 * <p>No silent loss: every way out (complete, close, a failed publish) either returns the server's
 * acknowledgement of every event sent or reports, once, how many events sent on the stream were not acknowledged.
 */
public final class BlockingPublishCall implements EventPublisher, OpenCalls.Member {
  private final ClientCall<PublishRequest, PublishAck> call;
  private final OpenCalls openCalls;
  private final Duration closeTimeout;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** Set once the request headers were written: the stream reached the network. */
  private volatile boolean opened;
  /** Set when the call's end arrives, before it is unregistered; see {@link #start}. */
  private volatile boolean ending;

  // Guarded by lock.
  private long sent;
  private PublishAck ack;
  private Status endStatus;
  private Metadata endTrailers;
  private boolean halfClosed; // complete() or close() began
  private boolean closed; // close() was called
  private boolean outcomeReported; // the application saw the ack or the failure: close() has nothing to add

  private BlockingPublishCall(Channel channel, OpenCalls openCalls, Duration closeTimeout) {
    ClientStreamTracer.Factory tracer = HeadersSent.then(() -> opened = true);
    this.call = channel.newCall(StreamServiceGrpc.getPublishMethod(),
        CallOptions.DEFAULT.withStreamTracerFactory(tracer));
    this.openCalls = openCalls;
    this.closeTimeout = closeTimeout;
  }

  /**
   * Opens a Publish stream on {@code channel}.
   *
   * @param closeTimeout how long {@link #close()} waits for the acknowledgement
   */
  public static BlockingPublishCall start(Channel channel, OpenCalls openCalls, Duration closeTimeout) {
    BlockingPublishCall p = new BlockingPublishCall(channel, openCalls, closeTimeout);
    p.lock.lock();
    try {
      p.call.start(p.new Listener(), new Metadata());
      p.call.request(1);
    } finally {
      p.lock.unlock();
    }
    openCalls.add(p);
    if (p.ending) {
      openCalls.remove(p); // ended around the add: its own removal may have come first
    }
    return p;
  }

  @Override
  public void publish(String topic, ByteString payload) throws InterruptedException {
    publish(topic, payload, Map.of());
  }

  @Override
  public void publish(String topic, ByteString payload, Map<String, String> headers)
      throws InterruptedException {
    TopicNames.check(Objects.requireNonNull(topic, "topic: null (expected: a topic name)"));
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(headers, "headers");
    PublishRequest request =
        PublishRequest.newBuilder().setTopic(topic).setPayload(payload).putAllHeaders(headers).build();
    lock.lockInterruptibly();
    try {
      while (true) {
        if (closed) {
          throw new IllegalStateException("publish after close(): this EventPublisher is closed; open another "
              + "with client.publisher()");
        }
        if (halfClosed) {
          throw new IllegalStateException("publish after complete(): this EventPublisher is half-closed; open "
              + "another with client.publisher()");
        }
        if (endStatus != null) {
          outcomeReported = true;
          throw failureLocked();
        }
        if (call.isReady()) {
          break;
        }
        changed.await();
      }
      call.sendMessage(request);
      sent++;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public PublishAck complete() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      if (closed && (endStatus == null || !endStatus.isOk())) {
        throw new IllegalStateException("complete() after close(): this EventPublisher is closed");
      }
      halfCloseLocked();
      while (endStatus == null) {
        changed.await();
      }
      outcomeReported = true;
      return outcomeLocked();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      if (outcomeReported || sent == 0) {
        // Nothing to report: the application saw how it ended, or nothing was sent.
        cancelLocked(Status.CANCELLED.withDescription("EventPublisher closed"));
        return;
      }
      halfCloseLocked();
      long remaining = closeTimeout.toNanos();
      while (endStatus == null) {
        if (remaining <= 0) {
          Status timedOut = Status.DEADLINE_EXCEEDED.withDescription("EventPublisher.close(): no acknowledgement "
              + "within " + closeTimeout + "; " + sent + " event(s) sent on this stream were not acknowledged: "
              + "they may or may not be stored");
          cancelLocked(timedOut);
          outcomeReported = true;
          throw new StreamKitException(timedOut);
        }
        try {
          remaining = changed.awaitNanos(remaining);
        } catch (InterruptedException e) {
          Status interrupted = Status.CANCELLED.withDescription("EventPublisher.close() was interrupted while "
              + "waiting for the acknowledgement; " + sent + " event(s) sent on this stream were not "
              + "acknowledged: they may or may not be stored").withCause(e);
          cancelLocked(interrupted);
          outcomeReported = true;
          Thread.currentThread().interrupt();
          throw new StreamKitException(interrupted);
        }
      }
      outcomeReported = true;
      outcomeLocked();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void cancel(Status status) {
    lock.lock();
    try {
      cancelLocked(status);
    } finally {
      lock.unlock();
    }
  }

  private void cancelLocked(Status status) {
    if (endStatus != null) {
      return;
    }
    endStatus = status;
    changed.signalAll();
    call.cancel(status.getDescription(), status.getCause());
    openCalls.remove(this); // safe under the lock: OpenCalls never calls back while holding its own
  }

  private void halfCloseLocked() {
    if (!halfClosed && endStatus == null) {
      call.halfClose();
    }
    halfClosed = true;
    changed.signalAll();
  }

  /** The ack when the stream ended with it, else throws the failure. */
  private PublishAck outcomeLocked() {
    if (!endStatus.isOk()) {
      throw failureLocked();
    }
    if (ack == null) {
      throw new StreamKitException(Status.INTERNAL.withDescription("Publish ended with OK but no PublishAck; "
          + sent + " event(s) sent on this stream were not acknowledged"));
    }
    return ack;
  }

  /** The stream's failure, saying whether it never opened or how many events were not acknowledged. */
  private StreamKitException failureLocked() {
    String description = endStatus.getDescription() == null ? endStatus.getCode().name()
        : endStatus.getDescription();
    String what = !opened
        ? "the Publish stream never opened (" + description + "); " + (sent == 0 ? "no event was sent"
            : "its " + sent + " event(s) were not sent")
        : "the Publish stream failed (" + description + "); " + sent + " event(s) sent on it were not "
            + "acknowledged";
    return new StreamKitException(Status.fromCode(endStatus.getCode()).withDescription(what)
        .withCause(endStatus.getCause()), endTrailers);
  }

  private final class Listener extends ClientCall.Listener<PublishAck> {
    @Override
    public void onMessage(PublishAck message) {
      lock.lock();
      try {
        ack = message;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onReady() {
      lock.lock();
      try {
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      ending = true;
      // Unregistered before the waiting thread wakes: whoever sees the end sees no open stream left.
      openCalls.remove(BlockingPublishCall.this);
      lock.lock();
      try {
        if (endStatus == null) {
          endStatus = status;
          endTrailers = trailers;
          changed.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }
  }
}
