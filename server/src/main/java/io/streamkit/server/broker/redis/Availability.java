package io.streamkit.server.broker.redis;

import io.streamkit.server.broker.Broker.AvailabilityListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis is reachable, as the reader last saw it, and who wants to know. Only the reader thread changes
 * it, so listeners see the changes in order. Thread-safe (the monitor guards the state and the calls).
 */
final class Availability {
  private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
  private final List<AvailabilityListener> listeners = new CopyOnWriteArrayList<>();
  private boolean available;
  private String reason;
  private boolean known;

  Availability(String reason) {
    this.reason = reason;
  }

  /** Serialized with {@link #set} so that a new listener never sees an older state after a newer one. */
  synchronized void watch(AvailabilityListener listener) {
    listeners.add(listener);
    listener.onAvailability(available, available ? "" : reason);
  }

  /** Reader thread only. Listeners are called under the monitor: they must not block (they do not). */
  synchronized void set(boolean up, String why) {
    if (known && up == available) {
      return;
    }
    boolean first = !known;
    known = true;
    reason = why;
    available = up;
    if (up) {
      log.info("Redis broker {}", first ? "connected" : "reconnected");
    } else {
      log.warn("Redis broker unavailable: {}", why);
    }
    for (AvailabilityListener l : listeners) {
      l.onAvailability(up, up ? "" : why);
    }
  }
}
