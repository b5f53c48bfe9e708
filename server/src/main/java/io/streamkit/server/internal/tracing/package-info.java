/**
 * Not API: OpenTelemetry tracing of the server. {@link io.streamkit.server.internal.tracing.ServerTracing} makes the
 * spans of Chat and Call messages and of Subscribe and Publish streams; {@code TracingBroker} makes each event's
 * publish span, writes its W3C trace context into the event's headers, and makes one deliver span per event and
 * subscriber, a child of that context. With tracing off none of this is wired in: no span, no allocation.
 */
package io.streamkit.server.internal.tracing;
