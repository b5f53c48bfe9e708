package io.streamkit.server.internal.metrics;

import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Streams open per RPC and streams ended with an error, per RPC and status code, from grpc-java's per-stream
 * tracer: it sees every stream of every service, including those that end before any listener code runs, and
 * {@code streamClosed} is called exactly once per stream with the status sent to the client.
 *
 * <p>The rpc label comes from a fixed table, never from the client's method name, so a client calling made-up
 * methods adds no series (they count as {@code unknown}). One tracer instance per RPC serves all its streams: it
 * keeps no per-stream state, so opening a stream allocates nothing here. Thread-safe.
 */
final class RpcMeters extends ServerStreamTracer.Factory {
  /** Our own RPCs by full method name; fixed at start. */
  private final Map<String, Rpc> known;
  private final Rpc health;
  private final Rpc reflection;
  private final Rpc unknown;

  RpcMeters(Meters meters) {
    known = Map.of(
        "streamkit.v1.StreamService/Chat", new Rpc("chat", meters),
        "example.Greeter/Chat", new Rpc("greeter", meters),
        "streamkit.v1.StreamService/Subscribe", new Rpc("subscribe", meters),
        "streamkit.v1.StreamService/Publish", new Rpc("publish", meters),
        "streamkit.v1.StreamService/Call", new Rpc("call", meters),
        "streamkit.v1.StreamService/PublishEvent", new Rpc("publish_event", meters));
    health = new Rpc("health", meters);
    reflection = new Rpc("reflection", meters);
    unknown = new Rpc("unknown", meters);
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    Rpc rpc = rpc(fullMethodName);
    rpc.active.incrementAndGet();
    return rpc;
  }

  private Rpc rpc(String fullMethodName) {
    Rpc rpc = known.get(fullMethodName);
    if (rpc != null) {
      return rpc;
    }
    if (fullMethodName.startsWith("grpc.health.")) {
      return health;
    }
    if (fullMethodName.startsWith("grpc.reflection.")) {
      return reflection;
    }
    return unknown;
  }

  /** One RPC's meters, and the tracer of all its streams. */
  private static final class Rpc extends ServerStreamTracer {
    private final String name;
    private final Meters meters;
    private final AtomicInteger active = new AtomicInteger();
    /** Error counters by status code value, created at the first error with that code. */
    private final AtomicReferenceArray<Counter> errors = new AtomicReferenceArray<>(Status.Code.values().length);

    Rpc(String name, Meters meters) {
      this.name = name;
      this.meters = meters;
      meters.gauge("streamkit.streams.active", "Streams open now, per RPC", Tags.of("rpc", name), active,
          AtomicInteger::get);
    }

    @Override
    public void streamClosed(Status status) {
      active.decrementAndGet();
      if (!status.isOk()) {
        errorCounter(status.getCode()).increment();
      }
    }

    private Counter errorCounter(Status.Code code) {
      Counter counter = errors.get(code.value());
      if (counter == null) {
        // Micrometer returns the existing counter when two threads race here.
        counter = meters.counter("streamkit.rpc.errors", "Streams ended with a non-OK status, per RPC and code",
            null, Tags.of("rpc", name, "code", code.name()));
        errors.set(code.value(), counter);
      }
      return counter;
    }
  }
}
