package io.streamkit.server.internal.rpc;

import com.google.protobuf.MessageLite;
import io.streamkit.server.handler.Blocking;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.internal.metrics.RouteMeters;
import io.streamkit.server.internal.metrics.ServerMetrics;
import io.streamkit.server.internal.plugins.PluginLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Route name to handler, fixed when the server starts. Immutable and thread-safe; a lookup is one hash-map read
 * with no allocation.
 */
public final class RouteTable {

  /**
   * One route: its handler, whether the handler's callbacks must leave the transport thread, and its message
   * counters (created once, so counting needs no lookup).
   */
  record Route(String name, MessageHandler handler, boolean blocking, RouteMeters meters) {}

  private final Map<String, Route> routes;
  private final boolean metered;
  /** Inbound messages whose route is empty or served by no handler. */
  private final RouteMeters unrouted;
  /** Outbound messages whose route is served by no handler (e.g. {@code topic:<name>} events on Chat streams). */
  private final RouteMeters other;

  private RouteTable(Map<String, Route> routes, ServerMetrics metrics) {
    this.routes = routes;
    this.metered = metrics.enabled();
    this.unrouted = metrics.unroutedInbound();
    this.other = metrics.otherOutbound();
  }

  /** {@link #of(List, ServerMetrics)} without metrics. */
  public static RouteTable of(List<MessageHandler> handlers) {
    return of(handlers, ServerMetrics.disabled());
  }

  /**
   * Builds the table. Fails with an IllegalStateException naming both classes when two handlers serve one
   * route, and with an IllegalArgumentException when a handler names no route.
   */
  public static RouteTable of(List<MessageHandler> handlers, ServerMetrics metrics) {
    Map<String, Route> routes = new HashMap<>();
    List<String> conflicts = new ArrayList<>();
    for (MessageHandler handler : handlers) {
      String name = handler.route();
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("handler " + handler.getClass().getName() + " (from "
            + PluginLoader.origin(handler.getClass()) + ") returns " + (name == null ? "no route" : "a blank route '"
            + name + "'") + " (expected: a non-blank name; fix the handler's route())");
      }
      Route previous = routes.get(name);
      if (previous == null) {
        routes.put(name, new Route(
            name, handler, handler.getClass().isAnnotationPresent(Blocking.class), metrics.route(name)));
      } else {
        conflicts.add(
            "route '" + name + "' is served by both " + previous.handler().getClass().getName()
                + " and " + handler.getClass().getName());
      }
    }
    if (!conflicts.isEmpty()) {
      throw new IllegalStateException(
          String.join("; ", conflicts) + " (expected: one handler per route; remove one of the plug-ins)");
    }
    return new RouteTable(Map.copyOf(routes), metrics);
  }

  /** The route's entry, or null when no handler serves {@code name}. */
  Route lookup(String name) {
    return routes.get(name);
  }

  /** Counts an inbound message under its route ({@code route} null: under {@code _unrouted}). */
  void countInbound(Route route, MessageLite message) {
    (route != null ? route.meters() : unrouted).inbound(message);
  }

  /** Counts an outbound message under the route it names; without metrics, not even the lookup is made. */
  void countOutbound(String routeName, MessageLite message) {
    if (metered) {
      Route route = routes.get(routeName);
      (route != null ? route.meters() : other).outbound(message);
    }
  }

  /** The routes served, sorted. */
  public Set<String> names() {
    return Collections.unmodifiableSet(new TreeSet<>(routes.keySet()));
  }

  /** The handlers, one per route. */
  public List<MessageHandler> handlers() {
    List<MessageHandler> out = new ArrayList<>();
    for (Route route : routes.values()) {
      out.add(route.handler());
    }
    return out;
  }
}
