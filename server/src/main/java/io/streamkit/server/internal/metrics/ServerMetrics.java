package io.streamkit.server.internal.metrics;

import io.grpc.ServerBuilder;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.InMemoryBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server's metrics: the meters of its RPCs, routes and topics, and the Prometheus endpoint that serves them.
 * {@code StreamKitServer} creates one, wires it into the transport, the route table and the broker, starts it
 * with the server and closes it with the server.
 *
 * <p>Where meters go: with a metrics port, into a Prometheus registry of this server's own (with JVM metrics)
 * served at {@code GET /metrics}; with an application's registry, into that one (without JVM metrics: binding
 * them is the application's choice); with both, into both. With neither, {@link #disabled()}: nothing is
 * wrapped or counted, and the hooks left in the hot path cost one null check.
 *
 * <p>Thread-safe. {@link #close()} is idempotent; it stops the endpoint and removes every meter this server
 * created from the application's registry, which the application keeps and closes itself.
 */
public final class ServerMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerMetrics.class);
  private static final ServerMetrics DISABLED = new ServerMetrics(null, -1, null, null);

  /** Publish-to-deliver buckets: sub-millisecond fan-out up to a subscriber that was seconds behind. */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
    Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)
  };

  private final String host;
  private final int port;
  /** This server's own registry, served at /metrics; null without a metrics port. */
  private final PrometheusMeterRegistry prometheus;
  /** Null when disabled. */
  private final Meters meters;
  private final RpcMeters rpcs;
  private final Timer publishToDeliver;
  private final Counter endedSlow;
  private final List<AutoCloseable> jvmBinders;
  private volatile TopicMetersTable topics;
  private volatile WebMeters web;
  private volatile PrometheusEndpoint endpoint;
  private volatile boolean closed;

  private ServerMetrics(String host, int port, PrometheusMeterRegistry prometheus, MeterRegistry target) {
    this.host = host;
    this.port = port;
    this.prometheus = prometheus;
    if (target == null) {
      meters = null;
      rpcs = null;
      publishToDeliver = null;
      endedSlow = null;
      jvmBinders = List.of();
      return;
    }
    meters = new Meters(target);
    rpcs = new RpcMeters(meters);
    publishToDeliver = meters.timer("streamkit.publish.to.deliver",
        "Time from an event's publish to its write on a subscriber stream; sampled: the first event of each "
            + "subscription, then one in " + MeteredBroker.LATENCY_SAMPLE_EVERY, LATENCY_BUCKETS);
    endedSlow = meters.counter("streamkit.subscribers.ended.slow",
        "Subscriptions ended with RESOURCE_EXHAUSTED for falling too far behind", null, Tags.empty());
    jvmBinders = prometheus == null ? List.of() : bindJvm(prometheus);
  }

  /** Metrics off: nothing is counted. */
  public static ServerMetrics disabled() {
    return DISABLED;
  }

  /**
   * Metrics for one server.
   *
   * @param host the address the endpoint binds (the server's own host)
   * @param port the endpoint's port: -1 for no endpoint, 0 for a free one, else 1 to 65535
   * @param application the application's registry to add the meters to, or null
   */
  public static ServerMetrics create(String host, int port, MeterRegistry application) {
    if (port < 0 && application == null) {
      return DISABLED;
    }
    PrometheusMeterRegistry prometheus = port < 0 ? null : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MeterRegistry target;
    if (prometheus != null && application != null) {
      target = new CompositeMeterRegistry(Clock.SYSTEM, List.of(prometheus, application));
    } else {
      target = prometheus != null ? prometheus : application;
    }
    return new ServerMetrics(host, port, prometheus, target);
  }

  public boolean enabled() {
    return meters != null;
  }

  /** The counters of one Chat route, both directions. */
  public RouteMeters route(String name) {
    return route(name, true, true);
  }

  /** Inbound messages whose route is empty or served by no handler: route label {@code _unrouted}. */
  public RouteMeters unroutedInbound() {
    return route("_unrouted", true, false);
  }

  /** Outbound messages whose route no handler serves (topic events on Chat streams...): label {@code _other}. */
  public RouteMeters otherOutbound() {
    return route("_other", false, true);
  }

  private RouteMeters route(String name, boolean inbound, boolean outbound) {
    if (meters == null) {
      return RouteMeters.DISABLED;
    }
    String messages = "Chat messages per route and direction (in: received; out: accepted for sending)";
    String bytes = "Serialized bytes of those Chat messages";
    Tags in = Tags.of("route", name, "direction", "in");
    Tags out = Tags.of("route", name, "direction", "out");
    return new RouteMeters(
        inbound ? meters.counter("streamkit.messages", messages, null, in) : null,
        inbound ? meters.counter("streamkit.message", bytes, "bytes", in) : null,
        outbound ? meters.counter("streamkit.messages", messages, null, out) : null,
        outbound ? meters.counter("streamkit.message", bytes, "bytes", out) : null);
  }

  /**
   * The HTTP port's meters; when metrics are off, a new instance that only keeps the open-stream counts (call it
   * once per server).
   */
  public synchronized WebMeters web() {
    if (meters == null) {
      return new WebMeters(null);
    }
    if (web == null) {
      web = new WebMeters(meters);
    }
    return web;
  }

  /** Adds the per-stream tracer that counts open streams and errors per RPC; returns {@code transport}. */
  public <T extends ServerBuilder<T>> T instrument(T transport) {
    if (rpcs != null) {
      transport.addStreamTracerFactory(rpcs);
    }
    return transport;
  }

  /** The broker to serve with: {@code broker} itself when disabled, else a wrapper that counts per topic. */
  public Broker instrument(Broker broker) {
    if (meters == null) {
      return broker;
    }
    TopicMetersTable table = new TopicMetersTable(meters, broker instanceof InMemoryBroker m ? m : null);
    topics = table;
    AtomicInteger available = new AtomicInteger();
    meters.gauge("streamkit.broker.available", "1 while the broker can store and deliver events, 0 while it cannot "
        + "(e.g. Redis unreachable)", Tags.empty(), available, AtomicInteger::get);
    broker.watchAvailability((up, reason) -> available.set(up ? 1 : 0));
    return new MeteredBroker(broker, table, publishToDeliver, endedSlow);
  }

  /**
   * Starts the Prometheus endpoint, if there is a port.
   *
   * @throws UncheckedIOException naming the address when the port cannot be bound
   */
  public void start() {
    if (prometheus == null || closed) {
      return;
    }
    try {
      endpoint = new PrometheusEndpoint(host, port, prometheus, this::sweep);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve metrics on " + host + ":" + port + " (--metrics-port): " + e.getMessage(), e);
    }
    log.info("metrics at http://{}:{}/metrics", host, endpoint.port());
  }

  /** The endpoint's bound port, or -1 when none is served. */
  public int port() {
    PrometheusEndpoint e = endpoint;
    return e == null ? -1 : e.port();
  }

  private void sweep() {
    TopicMetersTable t = topics;
    if (t != null) {
      t.sweep();
    }
  }

  @Override
  public void close() {
    if (meters == null || closed) {
      return;
    }
    closed = true;
    PrometheusEndpoint e = endpoint;
    if (e != null) {
      e.close();
    }
    for (AutoCloseable binder : jvmBinders) {
      try {
        binder.close();
      } catch (Exception ex) {
        log.debug("closing a JVM metrics binder failed", ex); // the registry is closed next anyway
      }
    }
    meters.removeAll();
    if (prometheus != null) {
      prometheus.close();
    }
  }

  private static List<AutoCloseable> bindJvm(MeterRegistry registry) {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    return List.of(gc);
  }
}
