package io.streamkit.client.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Applies a deadline (relative, taken when each call starts) and a compression to every call made through it,
 * unless the call's options already carry their own.
 *
 * <p>Thread-safe (immutable).
 */
public final class CallDefaults implements ClientInterceptor {
  private final Duration deadline; // null: none
  private final String compression; // null or "identity": none

  public CallDefaults(Duration deadline, String compression) {
    this.deadline = deadline;
    this.compression = compression;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    CallOptions options = callOptions;
    if (deadline != null && options.getDeadline() == null) {
      options = options.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    }
    if (compression != null && !"identity".equals(compression) && options.getCompressor() == null) {
      options = options.withCompression(compression);
    }
    return next.newCall(method, options);
  }
}
