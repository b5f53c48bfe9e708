package io.streamkit.server.internal.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * Creates the server's meters in its target registry and remembers them, so that a topic's meters can be removed
 * when the topic is freed and every meter when the server closes (an application's own registry outlives the
 * server, and its gauges would otherwise keep the closed server reachable). Thread-safe.
 */
final class Meters {
  private final MeterRegistry target;
  /** The target and, for a composite, its children: a composite does not remove its children's meters. */
  private final List<MeterRegistry> all;
  private final Set<Meter.Id> created = ConcurrentHashMap.newKeySet();

  Meters(MeterRegistry target) {
    this.target = target;
    this.all = target instanceof CompositeMeterRegistry composite
        ? Stream.concat(Stream.of(target), composite.getRegistries().stream()).toList()
        : List.of(target);
  }

  MeterRegistry registry() {
    return target;
  }

  Counter counter(String name, String description, String baseUnit, Tags tags) {
    return remember(Counter.builder(name).description(description).baseUnit(baseUnit).tags(tags).register(target));
  }

  <T> Gauge gauge(String name, String description, Tags tags, T state, ToDoubleFunction<T> value) {
    return remember(Gauge.builder(name, state, value).description(description).tags(tags).strongReference(true)
        .register(target));
  }

  Timer timer(String name, String description, Duration... buckets) {
    return remember(Timer.builder(name).description(description).serviceLevelObjectives(buckets).register(target));
  }

  void remove(Meter meter) {
    if (meter == null) {
      return;
    }
    created.remove(meter.getId());
    for (MeterRegistry registry : all) {
      registry.remove(meter.getId());
    }
  }

  void removeAll() {
    for (Meter.Id id : List.copyOf(created)) {
      for (MeterRegistry registry : all) {
        registry.remove(id);
      }
    }
    created.clear();
  }

  private <M extends Meter> M remember(M meter) {
    created.add(meter.getId());
    return meter;
  }
}
