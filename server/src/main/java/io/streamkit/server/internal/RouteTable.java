package io.streamkit.server.internal;

import io.streamkit.server.handler.Blocking;
import io.streamkit.server.handler.MessageHandler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.Set;

/**
 * Route name to handler, fixed when the server starts. Immutable and thread-safe; a lookup is one hash-map read
 * with no allocation.
 */
public final class RouteTable {

  /** One route: its handler and whether the handler's callbacks must leave the transport thread. */
  record Route(String name, MessageHandler handler, boolean blocking) {}

  private final Map<String, Route> routes;

  private RouteTable(Map<String, Route> routes) {
    this.routes = routes;
  }

  /**
   * Builds the table. Fails with an IllegalStateException naming both classes when two handlers serve one
   * route, and with an IllegalArgumentException when a handler names no route.
   */
  public static RouteTable of(List<MessageHandler> handlers) {
    Map<String, Route> routes = new HashMap<>();
    List<String> conflicts = new ArrayList<>();
    for (MessageHandler handler : handlers) {
      String name = handler.route();
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException(
            "handler " + handler.getClass().getName() + " returns an empty route (expected: a non-empty name)");
      }
      Route previous = routes.putIfAbsent(
          name, new Route(name, handler, handler.getClass().isAnnotationPresent(Blocking.class)));
      if (previous != null) {
        conflicts.add(
            "route '" + name + "' is served by both " + previous.handler().getClass().getName()
                + " and " + handler.getClass().getName());
      }
    }
    if (!conflicts.isEmpty()) {
      throw new IllegalStateException(
          String.join("; ", conflicts) + " (expected: one handler per route; remove one of the plug-ins)");
    }
    return new RouteTable(Map.copyOf(routes));
  }

  /** The route's entry, or null when no handler serves {@code name}. */
  Route lookup(String name) {
    return routes.get(name);
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
