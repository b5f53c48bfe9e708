package io.streamkit.api.v1;

import io.grpc.Metadata;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.HashMap;
import java.util.Map;

/**
 * The trace context on the wire, one rule for the server and every Java client: the W3C trace context
 * ({@code traceparent}, {@code tracestate}) in a {@link Message}'s or an {@link Event}'s {@code headers}, and in a
 * call's gRPC metadata. Always W3C, whatever propagators an application's OpenTelemetry has, so that clients in
 * other languages read it too. A server with tracing on writes its publish span's context into every event's
 * headers; the client's and the server's {@code EventTracing} read it back.
 *
 * <p>Stateless and thread-safe.
 */
public final class TraceHeaders {
  /** The header that carries the trace id, parent span id and flags. */
  public static final String TRACEPARENT = "traceparent";

  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private static final TextMapSetter<Map<String, String>> MAP_SETTER = Map::put;

  private static final TextMapSetter<Metadata> METADATA_SETTER =
      (carrier, key, value) -> carrier.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);

  private static final TextMapGetter<Metadata> METADATA_GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Metadata carrier) {
      return carrier.keys();
    }

    @Override
    public String get(Metadata carrier, String key) {
      return carrier == null ? null : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    }
  };

  private TraceHeaders() {}

  /** Whether {@code headers} carry a trace context. */
  public static boolean present(Map<String, String> headers) {
    return headers.containsKey(TRACEPARENT);
  }

  /** The trace context in {@code headers} as the parent of {@code base}; {@code base} when there is none. */
  public static Context extract(Context base, Map<String, String> headers) {
    return present(headers) ? W3C.extract(base, headers, MAP_GETTER) : base;
  }

  /** The trace context in gRPC request metadata ({@code traceparent}); {@code base} when there is none. */
  public static Context extract(Context base, Metadata metadata) {
    return metadata == null ? base : W3C.extract(base, metadata, METADATA_GETTER);
  }

  /** Writes the trace context of {@code context} into gRPC metadata (nothing when it has no valid span). */
  public static void inject(Context context, Metadata metadata) {
    W3C.inject(context, metadata, METADATA_SETTER);
  }

  /** A copy of {@code headers} with the trace context of {@code context} written over any it had. */
  public static Map<String, String> with(Map<String, String> headers, Context context) {
    Map<String, String> traced = new HashMap<>(headers.size() + 2);
    traced.putAll(headers);
    traced.remove("tracestate"); // the new parent's state, or none: never another span's
    W3C.inject(context, traced, MAP_SETTER);
    return traced;
  }
}
