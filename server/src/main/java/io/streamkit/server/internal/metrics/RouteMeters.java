package io.streamkit.server.internal.metrics;

import com.google.protobuf.MessageLite;
import io.micrometer.core.instrument.Counter;

/**
 * The message and byte counters of one Chat route, created once when the server starts and kept beside the
 * route's entry, so counting a message costs no lookup and no allocation. Thread-safe.
 *
 * <p>The disabled instance holds no counters: a call costs one null check and does not even compute the
 * message's size.
 */
public final class RouteMeters {
  static final RouteMeters DISABLED = new RouteMeters(null, null, null, null);

  private final Counter in;
  private final Counter inBytes;
  private final Counter out;
  private final Counter outBytes;

  RouteMeters(Counter in, Counter inBytes, Counter out, Counter outBytes) {
    this.in = in;
    this.inBytes = inBytes;
    this.out = out;
    this.outBytes = outBytes;
  }

  /** Counts one inbound message; its size is the serialized size protobuf computes once and caches. */
  public void inbound(MessageLite message) {
    Counter c = in;
    if (c != null) {
      c.increment();
      inBytes.increment(message.getSerializedSize());
    }
  }

  /** Counts one outbound message accepted for sending; its serialized size is cached for the write anyway. */
  public void outbound(MessageLite message) {
    Counter c = out;
    if (c != null) {
      c.increment();
      outBytes.increment(message.getSerializedSize());
    }
  }
}
