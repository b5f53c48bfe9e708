package io.streamkit.server.broker;

import io.opentelemetry.context.Context;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.TraceHeaders;

/**
 * The trace context an event carries, for server-side code that processes events (an {@link EventSink} of the
 * application's, a handler that reads a topic's Chat messages) and wants its span in the publisher's trace. A
 * server with tracing on writes its publish span's W3C {@code traceparent} (and {@code tracestate}) into every
 * event's headers; this reads it back:
 *
 * <pre>{@code
 * Span span = tracer.spanBuilder("process " + event.topic())
 *     .setParent(EventTracing.context(event))      // continue the publisher's trace
 *     .setSpanKind(SpanKind.CONSUMER)
 *     .startSpan();
 * // or, to start a trace of its own: .addLink(Span.fromContext(EventTracing.context(event)).getSpanContext())
 * }</pre>
 *
 * <p>Stateless and thread-safe; works without an OpenTelemetry SDK (the format is always W3C).
 */
public final class EventTracing {
  private EventTracing() {}

  /** The context of the event's publish span; {@code Context.root()} when the event carries none. */
  public static Context context(TopicEvent event) {
    return TraceHeaders.extract(Context.root(), event.event().getHeadersMap());
  }

  /**
   * The trace context in a message's headers: for a topic's event delivered on a Chat stream
   * ({@link TopicEvent#asChatMessage()} keeps the event's headers), the context of its publish span;
   * {@code Context.root()} when the message carries none.
   */
  public static Context context(Message message) {
    return TraceHeaders.extract(Context.root(), message.getHeadersMap());
  }
}
