package io.streamkit.server.internal.tracing;

import io.grpc.Metadata;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.TraceHeaders;
import io.streamkit.server.broker.Broker;

/**
 * The server's spans, or nothing: {@link #OFF} (no OpenTelemetry given) answers {@link #enabled()} false, and
 * callers check it before they make anything, so a server without tracing allocates nothing per message for it.
 *
 * <p>Spans: one per Chat or Call message a handler handles ({@code Chat <route>}, {@code Call <route>}, kind
 * SERVER, the child of the message's {@code traceparent} header, else of the call's {@code traceparent} metadata);
 * one per Subscribe and per Publish stream ({@code Subscribe}, {@code Publish}, SERVER, the child of the call's
 * metadata); and, through {@link #instrument(Broker)}, one per published event ({@code publish <topic>}, PRODUCER)
 * and one per event delivered to a subscriber ({@code deliver <topic>}, CONSUMER). See {@link TracingBroker}.
 *
 * <p>Immutable and thread-safe.
 */
public final class ServerTracing {
  /** Tracing off. */
  public static final ServerTracing OFF = new ServerTracing(null);

  static final String INSTRUMENTATION = "io.streamkit.server";

  /** Null when off. */
  private final Tracer tracer;

  private ServerTracing(Tracer tracer) {
    this.tracer = tracer;
  }

  /** Tracing with {@code openTelemetry}'s tracer provider; {@link #OFF} for null. */
  public static ServerTracing of(OpenTelemetry openTelemetry) {
    return openTelemetry == null ? OFF : new ServerTracing(openTelemetry.getTracer(INSTRUMENTATION));
  }

  public boolean enabled() {
    return tracer != null;
  }

  /** {@code broker} with publish and deliver spans and the trace context in event headers; itself when off. */
  public Broker instrument(Broker broker) {
    return tracer == null ? broker : new TracingBroker(broker, tracer);
  }

  /**
   * Starts the span of one handled message. Call only when {@link #enabled()}.
   *
   * @param rpc {@code Chat}, {@code Call} or {@code Greeter.Chat}
   * @param requestHeaders the call's metadata, whose {@code traceparent} is the parent when the message has none
   */
  public Span startHandler(String rpc, Message message, Metadata requestHeaders) {
    Context parent = TraceHeaders.present(message.getHeadersMap())
        ? TraceHeaders.extract(Context.root(), message.getHeadersMap())
        : TraceHeaders.extract(Context.root(), requestHeaders);
    return tracer.spanBuilder(rpc + " " + message.getRoute())
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute("rpc.system", "grpc")
        .setAttribute("rpc.method", rpc)
        .setAttribute("streamkit.route", message.getRoute())
        .setAttribute("streamkit.message_id", message.getId())
        .startSpan();
  }

  /**
   * Starts the span of a Subscribe or Publish stream, for its whole life. Call only when {@link #enabled()}.
   *
   * @param rpc {@code Subscribe} or {@code Publish}
   */
  public Span startStream(String rpc, Metadata requestHeaders) {
    return tracer.spanBuilder(rpc)
        .setParent(TraceHeaders.extract(Context.root(), requestHeaders))
        .setSpanKind(SpanKind.SERVER)
        .setAttribute("rpc.system", "grpc")
        .setAttribute("rpc.method", rpc)
        .startSpan();
  }

  /** Ends {@code span} with the call's status: ERROR with the status's code and description unless OK. */
  public static void end(Span span, Status status) {
    span.setAttribute("rpc.grpc.status_code", status.getCode().value());
    if (!status.isOk()) {
      span.setStatus(StatusCode.ERROR, status.getCode() + ": " + status.getDescription());
    }
    span.end();
  }

  /** Marks {@code span} failed by {@code error}. */
  public static void failed(Span span, Throwable error) {
    span.recordException(error);
    span.setStatus(StatusCode.ERROR, error.getClass().getSimpleName() + ": " + error.getMessage());
  }
}
