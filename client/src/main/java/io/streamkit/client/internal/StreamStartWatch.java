package io.streamkit.client.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
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
 * does not happen within the timeout, the call is cancelled and its listener sees RESOURCE_EXHAUSTED with a
 * message saying what to do. Streams that started are never affected, however long they live.
 *
 * <p>Thread-safe.
 */
public final class StreamStartWatch implements ClientInterceptor {
  private static final int WAITING = 0;
  private static final int STARTED = 1;
  private static final int TIMED_OUT = 2;

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
    ClientStreamTracer.Factory tracer = new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
        return new ClientStreamTracer() {
          @Override
          public void outboundHeaders() {
            state.compareAndSet(WAITING, STARTED);
          }
        };
      }
    };
    ClientCall<ReqT, RespT> call = next.newCall(method, callOptions.withStreamTracerFactory(tracer));
    return new SimpleForwardingClientCall<>(call) {
      private ScheduledFuture<?> check;

      @Override
      public void start(Listener<RespT> listener, Metadata headers) {
        super.start(new SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onHeaders(Metadata responseHeaders) {
            state.compareAndSet(WAITING, STARTED);
            super.onHeaders(responseHeaders);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            state.compareAndSet(WAITING, STARTED); // ended without starting (e.g. a trailers-only answer)
            ScheduledFuture<?> c = check;
            if (c != null) {
              c.cancel(false);
            }
            if (state.get() == TIMED_OUT) {
              status = Status.RESOURCE_EXHAUSTED.withDescription(
                  "stream " + method.getFullMethodName() + " did not start within " + timeout.toMillis()
                      + " ms: the connection is at the server's limit of concurrent streams"
                      + " (HTTP/2 MAX_CONCURRENT_STREAMS) or the server does not answer; close streams you no"
                      + " longer need, raise the server's --max-concurrent-streams, or raise the client's"
                      + " streamStartTimeout");
            }
            super.onClose(status, trailers);
          }
        }, headers);
        check = timer.schedule(() -> {
          if (state.compareAndSet(WAITING, TIMED_OUT)) {
            delegate().cancel("stream did not start in time", null);
          }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
    };
  }
}
