package io.streamkit.server.internal.web;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.netty.channel.EventLoop;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call of a unary or server-streaming method received over HTTP (Connect, gRPC-Web or Server-Sent Events), run
 * by the server's own {@link ServerCallHandler} as if it had come over the gRPC port: the same interceptors
 * (authentication), the same call classes (SubscribeCall, ...), the same registry and drain. This class is the
 * {@link ServerCall} those see; an {@link Encoding} writes what they send in the protocol's framing.
 *
 * <p>Concurrency: listener callbacks run on the channel's event loop, one at a time, as grpc-java's are with a
 * direct executor. {@link #sendHeaders}, {@link #sendMessage} and {@link #close} may be called from any thread (a
 * broker's publisher, a blocking handler): each appends an operation to a queue that one task on the event loop
 * drains in order, so operations from different threads never overtake each other, and a drain writes all it finds
 * with one flush.
 *
 * <p>Overflow: {@link #isReady()} is false while {@value #MAX_PENDING} operations wait for the event loop or the
 * channel is not writable (its outbound buffer is above Netty's high water mark; over HTTP/2 that includes the
 * stream's flow-control window). Callers that respect it (SubscribeCall's broker sinks, the Chat outbound queue) hold
 * their messages themselves, bounded; {@link Listener#onReady()} follows when it is true again.
 */
final class WebCall<ReqT, RespT> extends ServerCall<ReqT, RespT> {
  private static final Logger log = LoggerFactory.getLogger(WebCall.class);
  static final int MAX_PENDING = 32;

  /** How one protocol writes a call's response. Methods run on the event loop, in call order. */
  interface Encoding<RespT> {
    void headers(WebResponse response, Metadata headers);

    void message(WebResponse response, RespT message);

    /** Writes the end of the response (the status in the protocol's form) and ends it. */
    void close(WebResponse response, Status status, Metadata trailers);
  }

  private final MethodDescriptor<ReqT, RespT> method;
  private final WebResponse response;
  private final Encoding<RespT> encoding;
  private final Attributes attributes;
  private final String authority;
  private final EventLoop loop;
  private final java.util.function.Consumer<Status.Code> ended;
  private final Queue<Object> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingCount = new AtomicInteger();
  private final AtomicInteger requested = new AtomicInteger();
  private final Runnable drain = this::drain;

  // Event loop only.
  private Listener<ReqT> listener;
  private ReqT request;
  private boolean requestDelivered;
  private boolean finished;
  private ScheduledFuture<?> deadline;

  /** Set by close() from any thread; the close itself happens in the drain. */
  private volatile boolean closeCalled;
  private volatile boolean cancelled;
  /** Set when isReady() said no, so that the next ready moment calls onReady. */
  private volatile boolean notReadyReported;

  private record Headers(Metadata headers) {}

  private record Close(Status status, Metadata trailers) {}

  /**
   * @param ended told once, on the event loop, how the call ended (its status code; CANCELLED when the client went
   *     away), for metrics and bookkeeping
   */
  WebCall(MethodDescriptor<ReqT, RespT> method, WebResponse response, Encoding<RespT> encoding,
      Attributes attributes, String authority, java.util.function.Consumer<Status.Code> ended) {
    this.method = method;
    this.response = response;
    this.encoding = encoding;
    this.attributes = attributes;
    this.authority = authority;
    this.loop = response.context().channel().eventLoop();
    this.ended = ended;
  }

  /**
   * Starts the call with its one request, on the event loop: the handler's listener gets the request once it asks
   * for it, then the half-close. {@code timeoutNanos} (0 for none) ends the call with DEADLINE_EXCEEDED.
   */
  void start(ServerCallHandler<ReqT, RespT> handler, Metadata headers, ReqT request, long timeoutNanos) {
    this.request = request;
    if (timeoutNanos > 0) {
      deadline = loop.schedule(() -> expire(timeoutNanos), timeoutNanos, TimeUnit.NANOSECONDS);
    }
    try {
      listener = handler.startCall(this, headers);
    } catch (RuntimeException e) {
      log.warn("starting {} over HTTP failed", method.getFullMethodName(), e);
      close(Status.INTERNAL.withDescription("the server failed to start the call; see the server log"),
          new Metadata());
      return;
    }
    deliver();
    if (isReady()) {
      callback(() -> listener.onReady());
    }
  }

  private void deliver() {
    if (listener == null || requestDelivered || cancelled || finished || requested.get() <= 0) {
      return;
    }
    requestDelivered = true;
    ReqT r = request;
    request = null;
    callback(() -> listener.onMessage(r));
    if (!cancelled && !finished) {
      callback(() -> listener.onHalfClose());
    }
  }

  /** Runs a listener callback; a listener that throws ends the call, as grpc-java's server does. */
  private void callback(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.warn("{} failed handling a call over HTTP", method.getFullMethodName(), e);
      close(Status.UNKNOWN.withDescription("the server failed handling the call; see the server log"),
          new Metadata());
    }
  }

  @Override
  public void request(int numMessages) {
    requested.addAndGet(numMessages);
    if (loop.inEventLoop() && listener != null) {
      deliver();
    } else {
      loop.execute(this::deliver);
    }
  }

  @Override
  public void sendHeaders(Metadata headers) {
    enqueue(new Headers(headers));
  }

  @Override
  public void sendMessage(RespT message) {
    if (closeCalled) {
      throw new IllegalStateException("call already closed; check isCancelled() before sendMessage");
    }
    enqueue(message);
  }

  @Override
  public void close(Status status, Metadata trailers) {
    if (closeCalled) {
      throw new IllegalStateException("call already closed with a status; close it once");
    }
    closeCalled = true;
    enqueue(new Close(status, trailers));
  }

  private void enqueue(Object op) {
    pending.add(op);
    if (pendingCount.getAndIncrement() == 0) {
      loop.execute(drain);
    }
  }

  private void drain() {
    int done = 0;
    Object op;
    while ((op = pending.poll()) != null) {
      done++;
      if (finished) {
        continue; // cancelled: what was queued goes nowhere
      }
      if (op instanceof Headers h) {
        encoding.headers(response, h.headers());
      } else if (op instanceof Close c) {
        finish(c.status(), c.trailers());
      } else {
        encoding.message(response, cast(op));
      }
    }
    response.flushSoon();
    if (pendingCount.addAndGet(-done) > 0) {
      loop.execute(drain); // added after the poll above came back empty
    }
    readyAgain();
  }

  private void finish(Status status, Metadata trailers) {
    finished = true;
    cancelDeadline();
    encoding.close(response, status, trailers);
    if (listener != null) {
      callback(() -> listener.onComplete());
    }
    ended.accept(status.getCode());
  }

  @Override
  public boolean isReady() {
    boolean ready = !closeCalled && !cancelled && pendingCount.get() < MAX_PENDING
        && response.context().channel().isWritable();
    if (!ready) {
      notReadyReported = true;
    }
    return ready;
  }

  /** The channel became writable, or the queue drained: tell the listener if it was told "not ready". */
  void readyAgain() {
    if (notReadyReported && listener != null && !finished && isReady()) {
      notReadyReported = false;
      callback(() -> listener.onReady());
    }
  }

  /** The client went away (connection closed, stream reset) before the call closed. Event loop. */
  void cancel() {
    if (finished) {
      return;
    }
    finished = true;
    cancelled = true;
    cancelDeadline();
    if (listener != null) {
      callback(() -> listener.onCancel());
    }
    ended.accept(Status.Code.CANCELLED);
  }

  private void expire(long timeoutNanos) {
    if (finished) {
      return;
    }
    finished = true;
    cancelled = true;
    encoding.close(response, Status.DEADLINE_EXCEEDED.withDescription(
        "deadline exceeded after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (the request's timeout)"),
        new Metadata());
    if (listener != null) {
      callback(() -> listener.onCancel());
    }
    ended.accept(Status.Code.DEADLINE_EXCEEDED);
  }

  private void cancelDeadline() {
    if (deadline != null) {
      deadline.cancel(false);
    }
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public Attributes getAttributes() {
    return attributes;
  }

  @Override
  public String getAuthority() {
    return authority;
  }

  @Override
  public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
    return method;
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object o) {
    return (T) o;
  }
}
