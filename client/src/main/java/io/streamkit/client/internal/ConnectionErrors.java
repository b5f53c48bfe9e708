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
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Makes UNAVAILABLE say what happened to the connection. grpc-java reports a refused connection as
 * {@code UNAVAILABLE: io exception}, with "Connection refused" only in the cause; this interceptor rewrites the
 * description of an UNAVAILABLE caused by an I/O failure to name the target and the failure, and says when
 * nothing of the call reached the network (its headers were never written), so that a program and a person both
 * know that sending it again is safe:
 * {@code UNAVAILABLE: cannot connect to localhost:9090: Connection refused (io exception); nothing was sent}.
 * The code, cause and trailers stay as they were.
 *
 * <p>Thread-safe (immutable).
 */
public final class ConnectionErrors implements ClientInterceptor {
  private final String target;

  /** @param target the client's target, as the application gave it ({@code host:port}) */
  public ConnectionErrors(String target) {
    this.target = target;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    AtomicBoolean sent = new AtomicBoolean();
    ClientStreamTracer.Factory tracer = HeadersSent.then(() -> sent.set(true));
    return new SimpleForwardingClientCall<>(next.newCall(method, callOptions.withStreamTracerFactory(tracer))) {
      @Override
      public void start(Listener<RespT> listener, Metadata headers) {
        super.start(new SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            super.onClose(describe(status, target, sent.get()), trailers);
          }
        }, headers);
      }
    };
  }

  /** {@code status} with a description naming the connection failure, or {@code status} itself. */
  static Status describe(Status status, String target, boolean sent) {
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      return status;
    }
    IOException io = ioCause(status.getCause());
    if (io == null) {
      return status;
    }
    String failure = rootMessage(io);
    String original = status.getDescription();
    if (original != null && original.contains(failure)) {
      return status; // it says so already
    }
    String what = io instanceof ConnectException
        ? "cannot connect to " + target + ": " + failure
        : "connection to " + target + " failed: " + failure;
    return status.withDescription(what + (original == null ? "" : " (" + original + ")")
        + (sent ? "" : "; nothing was sent"));
  }

  private static IOException ioCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof IOException io) {
        return io;
      }
    }
    return null;
  }

  /** The innermost message: Netty wraps "Connection refused" as "Connection refused: /127.0.0.1:9090". */
  private static String rootMessage(Throwable t) {
    String message = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        message = c.getMessage();
      }
    }
    return message == null ? t.getClass().getSimpleName() : message;
  }
}
