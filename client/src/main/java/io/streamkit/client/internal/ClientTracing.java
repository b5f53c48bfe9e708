package io.streamkit.client.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.streamkit.api.v1.TraceHeaders;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The client's spans, or nothing: {@link #OFF} (no OpenTelemetry given) answers {@link #enabled()} false and
 * callers check it first, so a client without tracing allocates nothing for it.
 *
 * <p>Spans: {@code call <route>} (CLIENT) per {@code call(...)}, {@code publish <topic>} (PRODUCER) per
 * {@code publish(...)}, each the child of the caller's current context, its W3C trace context written into the
 * request's headers (which the server's spans continue); and {@link #interceptor()} writes the caller's current
 * trace context into every call's metadata, so the server's Subscribe, Publish and Chat spans continue it too.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientTracing {
  /** Tracing off. */
  public static final ClientTracing OFF = new ClientTracing(null);

  /** Null when off. */
  private final Tracer tracer;

  private ClientTracing(Tracer tracer) {
    this.tracer = tracer;
  }

  /** Tracing with {@code openTelemetry}'s tracer provider; {@link #OFF} for null. */
  public static ClientTracing of(OpenTelemetry openTelemetry) {
    return openTelemetry == null ? OFF : new ClientTracing(openTelemetry.getTracer("io.streamkit.client"));
  }

  public boolean enabled() {
    return tracer != null;
  }

  /**
   * Runs {@code send} with {@code headers} carrying a new span's trace context, and ends the span when the
   * returned future completes (ERROR when it fails). Call only when {@link #enabled()}.
   *
   * @param name the span's name, e.g. {@code call orders.create}
   * @param kind CLIENT for a call, PRODUCER for a publish
   * @param attribute the route or topic, under {@code streamkit.route} or {@code messaging.destination.name}
   */
  public <T> CompletableFuture<T> traced(String name, SpanKind kind, String attribute, Map<String, String> headers,
      Function<Map<String, String>, CompletableFuture<T>> send) {
    Span span = tracer.spanBuilder(name)
        .setSpanKind(kind)
        .setAttribute(kind == SpanKind.PRODUCER ? "messaging.destination.name" : "streamkit.route", attribute)
        .startSpan();
    CompletableFuture<T> result;
    Context context = Context.current().with(span);
    try (Scope ignored = context.makeCurrent()) { // the call's metadata carries it too (see interceptor())
      result = send.apply(TraceHeaders.with(headers, context));
    } catch (RuntimeException e) {
      failed(span, e);
      span.end();
      throw e;
    }
    result.whenComplete((value, error) -> {
      if (error != null) {
        failed(span, error);
      }
      span.end();
    });
    return result;
  }

  private static void failed(Span span, Throwable error) {
    span.recordException(error);
    span.setStatus(StatusCode.ERROR, error.getClass().getSimpleName() + ": " + error.getMessage());
  }

  /** Writes the caller's current trace context, when it has a span, into each call's metadata. */
  public static ClientInterceptor interceptor() {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            TraceHeaders.inject(Context.current(), headers);
            super.start(listener, headers);
          }
        };
      }
    };
  }
}
