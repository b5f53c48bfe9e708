package io.streamkit.server.internal.metrics;

import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The HTTP port's meters, per protocol: requests, calls and streams open now, and requests that ended with an error
 * by code; plus connections open and refused. Labels come from fixed tables ({@link Protocol}, status codes), never
 * from a request. Without a registry (metrics off) only the open counts are kept. Thread-safe.
 */
public final class WebMeters {
  /** What a request on the HTTP port spoke. */
  public enum Protocol {
    CONNECT, GRPC_WEB, SSE, CONSOLE, OTHER;

    final String label = name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private final Meters meters;
  private final Counter[] requests;
  private final AtomicInteger[] open;
  private final AtomicReferenceArray<Counter>[] errors;
  private final AtomicInteger connections = new AtomicInteger();
  private final Counter refused;

  @SuppressWarnings("unchecked")
  WebMeters(Meters meters) {
    this.meters = meters;
    Protocol[] all = Protocol.values();
    requests = new Counter[all.length];
    open = new AtomicInteger[all.length];
    errors = new AtomicReferenceArray[all.length];
    for (Protocol p : all) {
      open[p.ordinal()] = new AtomicInteger();
      errors[p.ordinal()] = new AtomicReferenceArray<>(Status.Code.values().length);
      if (meters != null) {
        Tags tags = Tags.of("protocol", p.label);
        requests[p.ordinal()] = meters.counter("streamkit.http.requests",
            "Requests on the HTTP port, per protocol", null, tags);
        meters.gauge("streamkit.http.streams.active",
            "Calls and streams open now on the HTTP port, per protocol (an SSE stream, a Connect or gRPC-Web call)",
            tags, open[p.ordinal()], AtomicInteger::get);
      }
    }
    if (meters != null) {
      meters.gauge("streamkit.http.connections.active", "HTTP connections open now", Tags.empty(), connections,
          AtomicInteger::get);
      refused = meters.counter("streamkit.http.connections.refused",
          "HTTP connections closed as they were accepted, past the HTTP port's connection limit", null, Tags.empty());
    } else {
      refused = null;
    }
  }

  public void request(Protocol p) {
    if (meters != null) {
      requests[p.ordinal()].increment();
    }
  }

  public void opened(Protocol p) {
    open[p.ordinal()].incrementAndGet();
  }

  /** A call or stream ended with {@code code}; counted as an error unless OK. */
  public void closed(Protocol p, Status.Code code) {
    open[p.ordinal()].decrementAndGet();
    error(p, code);
  }

  /** A request answered with an error without a call (bad framing, unknown path, ...), or a call's error. */
  public void error(Protocol p, Status.Code code) {
    if (meters == null || code == Status.Code.OK) {
      return;
    }
    AtomicReferenceArray<Counter> byCode = errors[p.ordinal()];
    Counter c = byCode.get(code.value());
    if (c == null) {
      c = meters.counter("streamkit.http.errors", "Requests on the HTTP port that ended with an error, per protocol "
          + "and code", null, Tags.of("protocol", p.label, "code", code.name()));
      byCode.set(code.value(), c);
    }
    c.increment();
  }

  public int openStreams(Protocol p) {
    return open[p.ordinal()].get();
  }

  public void connectionOpened() {
    connections.incrementAndGet();
  }

  public void connectionClosed() {
    connections.decrementAndGet();
  }

  public void connectionRefused() {
    if (refused != null) {
      refused.increment();
    }
  }
}
