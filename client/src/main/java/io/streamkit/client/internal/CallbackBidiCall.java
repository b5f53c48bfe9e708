package io.streamkit.client.internal;

import com.google.protobuf.MessageLite;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.streamkit.client.StreamHandle;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.StreamListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The callback stream behind {@link StreamHandle}, with its bounded outbound buffer.
 *
 * <p>Concurrency: {@code lock} guards the {@link ClientCall} (which is not thread-safe), the outbound
 * queue and the end state; it is held only for non-blocking work, so {@code send} may be called from any
 * thread, including from listener callbacks. The call is created with the callback executor as its call
 * executor, so grpc-java runs the {@link ClientCall.Listener} below on that executor, one callback at a
 * time per call; user {@link StreamListener} callbacks are invoked from there without holding the lock.
 *
 * <p>Overflow: while the transport is not ready, sends are queued in order with their serialized size.
 * The queue is drained on {@code onReady} while the transport stays ready. Once the queued bytes would
 * exceed {@code maxQueuedBytes}, {@code send} throws RESOURCE_EXHAUSTED and the message is not queued:
 * the caller decides whether to drop, retry after {@code onReady}, or cancel. While anything is queued,
 * new sends queue behind it, so order is kept.
 *
 * <p>Inbound: one message at a time: the next is requested after {@link StreamListener#onMessage}
 * returns.
 */
public final class CallbackBidiCall<ReqT, RespT> implements StreamHandle<ReqT>, OpenCalls.Member {
  private static final Logger logger = LoggerFactory.getLogger(CallbackBidiCall.class);

  private final ClientCall<ReqT, RespT> call;
  private final MethodDescriptor<ReqT, RespT> method;
  private final StreamListener<RespT> listener;
  private final long maxQueuedBytes;
  private final OpenCalls openCalls;
  private final Object lock = new Object();

  // Guarded by lock.
  private final ArrayDeque<Queued<ReqT>> queue = new ArrayDeque<>();
  private long queuedBytes;
  private boolean closeSendCalled;
  private boolean halfCloseSent;
  private Status endStatus;
  private Metadata endTrailers;
  /** Set once the terminal callback ran. */
  private volatile boolean finished;
  /** Set once the request headers were written: the stream reached the network. */
  private volatile boolean opened;

  private record Queued<T>(T message, int bytes) {}

  private CallbackBidiCall(Channel channel, MethodDescriptor<ReqT, RespT> method,
      StreamListener<RespT> listener, Executor callbackExecutor, long maxQueuedBytes, OpenCalls openCalls) {
    this.call = channel.newCall(method, CallOptions.DEFAULT.withExecutor(callbackExecutor)
        .withStreamTracerFactory(HeadersSent.then(() -> opened = true)));
    this.method = method;
    this.listener = listener;
    this.maxQueuedBytes = maxQueuedBytes;
    this.openCalls = openCalls;
  }

  /**
   * Opens a stream of {@code method} (bidi streaming) on {@code channel}, without deadline; callbacks go
   * to {@code listener} on {@code callbackExecutor}.
   */
  public static <ReqT, RespT> CallbackBidiCall<ReqT, RespT> start(Channel channel,
      MethodDescriptor<ReqT, RespT> method, StreamListener<RespT> listener, Executor callbackExecutor,
      long maxQueuedBytes, OpenCalls openCalls) {
    CallbackBidiCall<ReqT, RespT> stream = new CallbackBidiCall<>(
        channel, method, listener, callbackExecutor, maxQueuedBytes, openCalls);
    synchronized (stream.lock) {
      stream.call.start(stream.new Listener(), new Metadata());
      stream.call.request(1);
    }
    openCalls.add(stream);
    if (stream.finished) { // ended before it was added: the removal in onClose came first
      openCalls.remove(stream);
    }
    return stream;
  }

  @Override
  public void send(ReqT message) {
    Objects.requireNonNull(message, "message");
    synchronized (lock) {
      if (endStatus != null) {
        throw StreamErrors.alreadyClosed(endStatus, endTrailers, opened);
      }
      if (closeSendCalled) {
        throw new IllegalStateException("send after closeSend(): the outbound side is half-closed");
      }
      if (queue.isEmpty() && call.isReady()) {
        call.sendMessage(message);
        return;
      }
      int bytes = serializedSize(message);
      if (bytes > maxQueuedBytes - queuedBytes) {
        throw new StreamKitException(Status.RESOURCE_EXHAUSTED.withDescription(
            "outbound buffer full: " + queuedBytes + " bytes queued + " + bytes + " > maxQueuedBytes "
                + maxQueuedBytes + " while the stream is not ready; the message was not sent: "
                + "send when isReady() or after StreamListener.onReady()"));
      }
      queue.add(new Queued<>(message, bytes));
      queuedBytes += bytes;
    }
  }

  @Override
  public boolean isReady() {
    synchronized (lock) {
      return endStatus == null && !closeSendCalled && queue.isEmpty() && call.isReady();
    }
  }

  @Override
  public boolean isOpen() {
    synchronized (lock) {
      return endStatus == null;
    }
  }

  @Override
  public void closeSend() {
    synchronized (lock) {
      if (endStatus != null || closeSendCalled) {
        return;
      }
      closeSendCalled = true;
      halfCloseIfDrainedLocked();
    }
  }

  @Override
  public void cancel(String reason) {
    cancel(Status.CANCELLED.withDescription(reason));
  }

  @Override
  public void cancel(Status status) {
    synchronized (lock) {
      if (endStatus != null) {
        return;
      }
      // Ended for this side at once: sends fail from now on. The listener still hears of it through
      // onClose, which grpc-java delivers after the cancel.
      endStatus = status;
      clearQueueLocked();
      call.cancel(status.getDescription(), status.getCause());
    }
  }

  /** Bytes waiting in the outbound buffer; for tests and diagnostics. */
  long queuedBytes() {
    synchronized (lock) {
      return queuedBytes;
    }
  }

  private void halfCloseIfDrainedLocked() {
    if (closeSendCalled && !halfCloseSent && queue.isEmpty()) {
      halfCloseSent = true;
      call.halfClose();
    }
  }

  private void clearQueueLocked() {
    queue.clear();
    queuedBytes = 0;
  }

  private int serializedSize(ReqT message) {
    if (message instanceof MessageLite protobuf) {
      return protobuf.getSerializedSize();
    }
    // Other marshallers: measure what would go on the wire.
    try (InputStream in = method.streamRequest(message)) {
      return (int) Math.min(Integer.MAX_VALUE, in.transferTo(OutputStream.nullOutputStream()));
    } catch (IOException e) {
      throw new IllegalArgumentException("message: cannot be marshalled by " + method.getFullMethodName(), e);
    }
  }

  private final class Listener extends ClientCall.Listener<RespT> {
    @Override
    public void onMessage(RespT message) {
      try {
        listener.onMessage(message);
      } catch (RuntimeException e) {
        cancel(Status.CANCELLED.withDescription("StreamListener.onMessage threw").withCause(e));
        return;
      }
      synchronized (lock) {
        if (endStatus == null) {
          call.request(1);
        }
      }
    }

    @Override
    public void onReady() {
      boolean ready;
      synchronized (lock) {
        while (endStatus == null && !queue.isEmpty() && call.isReady()) {
          Queued<ReqT> next = queue.poll();
          queuedBytes -= next.bytes();
          call.sendMessage(next.message());
        }
        if (endStatus == null) {
          halfCloseIfDrainedLocked();
        }
        ready = endStatus == null && !closeSendCalled && queue.isEmpty() && call.isReady();
      }
      if (ready) {
        try {
          listener.onReady();
        } catch (RuntimeException e) {
          cancel(Status.CANCELLED.withDescription("StreamListener.onReady threw").withCause(e));
        }
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      synchronized (lock) {
        if (endStatus == null) {
          endStatus = status;
          endTrailers = trailers;
        }
        clearQueueLocked();
      }
      try {
        if (status.isOk()) {
          listener.onCompleted();
        } else {
          listener.onError(new StreamKitException(status, trailers));
        }
      } catch (RuntimeException e) {
        // The stream has ended: there is nothing left to cancel and no caller to throw to, so log it.
        logger.warn("StreamListener threw from its terminal callback on {}", method.getFullMethodName(), e);
      } finally {
        // Last: closing the client waits for this before it stops the callback executor.
        finished = true;
        openCalls.remove(CallbackBidiCall.this);
      }
    }
  }
}
