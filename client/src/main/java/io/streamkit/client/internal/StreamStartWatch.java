package io.streamkit.client.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fails a streaming call that has not started within a bound, instead of letting it wait forever.
 *
 * <p>Why: when a connection is at the server's SETTINGS_MAX_CONCURRENT_STREAMS, grpc-java's Netty transport
 * buffers further streams without any error until an older one ends (grpc-java #8252), so a caller can hang
 * indefinitely. A stream has "started" when its request headers were written to the socket, which the
 * transport reports through {@link ClientStreamTracer#outboundHeaders()}; a buffered stream has not. If that
 * does not happen within the timeout, the caller's listener gets RESOURCE_EXHAUSTED with a message saying what
 * to do. Streams that started are never affected, however long they live.
 *
 * <p>Why the stream is not simply cancelled at the timeout: grpc-java cannot cancel a stream still held in its
 * HTTP/2 buffer (it has no stream id yet, so no RST_STREAM is written and the buffered HEADERS stay queued); when
 * a slot frees, the "cancelled" stream would start anyway and hold the slot for ever. So the caller is told at
 * once, and the stream itself is cancelled as soon as the transport starts it.
 *
 * <p>Thread-safe.
 */
public final class StreamStartWatch implements ClientInterceptor {
  private static final int WAITING = 0;
  private static final int STARTED = 1;
  /** We failed the call to its listener; the transport may still hold the stream in its buffer. */
  private static final int GAVE_UP = 2;
  /** The transport closed the call before it started, and the listener was told. */
  private static final int CLOSED = 3;

  private final Duration timeout;
  private final ScheduledExecutorService timer;

  public StreamStartWatch(Duration timeout, ScheduledExecutorService timer) {
    this.timeout = timeout;
    this.timer = timer;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    if (method.getType() == MethodDescriptor.MethodType.UNARY) {
      return next.newCall(method, callOptions); // unary calls have deadlines of their own
    }
    AtomicInteger state = new AtomicInteger(WAITING);
    ClientCall<?, ?>[] self = new ClientCall<?, ?>[1];
    ClientStreamTracer.Factory tracer = HeadersSent.then(() -> {
      if (!state.compareAndSet(WAITING, STARTED) && state.get() == GAVE_UP) {
        // Started after the caller was told it failed: the stream now exists and can really be cancelled.
        self[0].cancel("stream started after its start timeout; the caller was already told", null);
      }
    });
    ClientCall<ReqT, RespT> call = next.newCall(method, callOptions.withStreamTracerFactory(tracer));
    self[0] = call;
    return new SimpleForwardingClientCall<>(call) {
      private volatile ScheduledFuture<?> check;

      @Override
      public void start(Listener<RespT> listener, Metadata headers) {
        super.start(new Listener<RespT>() {
          @Override
          public void onHeaders(Metadata responseHeaders) {
            state.compareAndSet(WAITING, STARTED);
            listener.onHeaders(responseHeaders);
          }

          @Override
          public void onMessage(RespT message) {
            listener.onMessage(message);
          }

          @Override
          public void onReady() {
            if (state.get() != GAVE_UP) {
              listener.onReady();
            }
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            ScheduledFuture<?> c = check;
            if (c != null) {
              c.cancel(false);
            }
            if (state.compareAndSet(WAITING, CLOSED) || state.get() != GAVE_UP) {
              listener.onClose(status, trailers);
            } // else the listener already got RESOURCE_EXHAUSTED from the timer
          }
        }, headers);
        check = timer.schedule(() -> {
          if (state.compareAndSet(WAITING, GAVE_UP)) {
            // Safe to call from the timer thread: a stream that has not started gets no other callback.
            listener.onClose(Status.RESOURCE_EXHAUSTED.withDescription(
                "stream " + method.getFullMethodName() + " did not start within " + timeout.toMillis()
                    + " ms: the connection is at the server's limit of concurrent streams"
                    + " (HTTP/2 MAX_CONCURRENT_STREAMS) or the server does not answer; close streams you no"
                    + " longer need, raise the server's --max-concurrent-streams, or raise the client's"
                    + " streamStartTimeout"), new Metadata());
          }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
      }

      @Override
      public void cancel(String message, Throwable cause) {
        if (state.get() != GAVE_UP) {
          super.cancel(message, cause); // after giving up, the tracer cancels the stream once it exists
        }
      }

      @Override
      public void sendMessage(ReqT message) {
        if (state.get() != GAVE_UP) {
          super.sendMessage(message); // after giving up, the buffered stream must not grow
        }
      }
    };
  }
}
