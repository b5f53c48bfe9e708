package io.streamkit.client;

import io.opentelemetry.context.Context;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.TraceHeaders;
import java.util.Map;

/**
 * The trace context that events and messages carry, for code that processes them and wants its spans in the
 * publisher's trace. A server with tracing on writes its publish span's W3C {@code traceparent} (and
 * {@code tracestate}) into every event's headers, so a subscriber continues the trace that began at the publisher
 * (through the broker, across server instances on one Redis):
 *
 * <pre>{@code
 * for (Event event : subscription) {
 *   Span span = tracer.spanBuilder("process " + event.getTopic())
 *       .setParent(EventTracing.context(event))      // continue the publisher's trace
 *       .setSpanKind(SpanKind.CONSUMER)
 *       .startSpan();
 *   try (Scope ignored = span.makeCurrent()) {
 *     handle(event);
 *   } finally {
 *     span.end();
 *   }
 * }
 * // or, to start a trace of its own linked to the publisher's:
 * //   .addLink(Span.fromContext(EventTracing.context(event)).getSpanContext())
 * }</pre>
 *
 * <p>For messages the application sends itself on a {@code chat()} stream, {@link #headers(Map, Context)} adds a
 * context to their headers; the server's span for the message is then its child. ({@code call} and
 * {@code publish} do that themselves on a client built with an OpenTelemetry.)
 *
 * <p>Stateless and thread-safe; works without an OpenTelemetry SDK (the format is always W3C).
 */
public final class EventTracing {
  private EventTracing() {}

  /** The context of the event's publish span; {@code Context.root()} when the event carries none. */
  public static Context context(Event event) {
    return TraceHeaders.extract(Context.root(), event.getHeadersMap());
  }

  /**
   * The trace context in a message's headers (a reply, a pushed message, a topic's event on a Chat stream);
   * {@code Context.root()} when it carries none.
   */
  public static Context context(Message message) {
    return TraceHeaders.extract(Context.root(), message.getHeadersMap());
  }

  /**
   * A copy of {@code headers} carrying {@code context}'s span (e.g. {@code Context.current()}) as W3C
   * {@code traceparent} and {@code tracestate}, replacing any they had; unchanged entries otherwise.
   */
  public static Map<String, String> headers(Map<String, String> headers, Context context) {
    return TraceHeaders.with(headers, context);
  }
}
