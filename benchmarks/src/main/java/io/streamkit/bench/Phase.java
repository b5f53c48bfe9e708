package io.streamkit.bench;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The timeline of one scenario run: warm-up, then the measured window, then stop. Callbacks read {@link #measuring}
 * to decide whether to record a latency; the driver thread reads counters at the window's edges. When the server's
 * PID is known, the window also reads the CPU time the server process used (from /proc), which stays meaningful
 * when other work on the machine steals CPU from both sides. Thread-safe.
 */
final class Phase {
  private final LongSupplier clock;
  private final LongSupplier serverCpuTicks;
  private final boolean cpuKnown;
  private long startCpuTicks;
  private long cpuTicks;
  volatile boolean measuring;
  volatile boolean stopped;
  private long startNanos;
  private long startCount;
  private double seconds;
  private long count;

  /** Sleeps through warm-up, then measures {@code counter} over the duration; returns the count per second. */
  double measure(Duration warmup, Duration duration, LongSupplier counter) throws InterruptedException {
    Thread.sleep(warmup.toMillis());
    begin(counter);
    Thread.sleep(duration.toMillis());
    return end(counter);
  }

  Phase(long serverPid) {
    this(System::nanoTime, () -> ServerProbe.cpuTicks(serverPid), serverPid > 0);
  }

  /**
   * A phase reading time from {@code clock} (nanoseconds) and the server's CPU time so far from
   * {@code serverCpuTicks} (ticks of {@link ServerProbe#MICROS_PER_TICK}); {@code cpuKnown} false when there is no
   * server process to read. Tests pass their own readings.
   */
  Phase(LongSupplier clock, LongSupplier serverCpuTicks, boolean cpuKnown) {
    this.clock = clock;
    this.serverCpuTicks = serverCpuTicks;
    this.cpuKnown = cpuKnown;
  }

  void begin(LongSupplier counter) {
    startCpuTicks = serverCpuTicks.getAsLong();
    startCount = counter.getAsLong();
    startNanos = clock.getAsLong();
    measuring = true;
  }

  double end(LongSupplier counter) {
    measuring = false;
    count = counter.getAsLong() - startCount;
    seconds = (clock.getAsLong() - startNanos) / 1e9;
    cpuTicks = serverCpuTicks.getAsLong() - startCpuTicks;
    return count / seconds;
  }

  long count() {
    return count;
  }

  double seconds() {
    return seconds;
  }

  /** Adds the server's CPU microseconds per counted operation, when the server's PID is known. */
  Result cpuPerOp(Result r) {
    if (cpuKnown && count > 0) {
      r.put("server_cpu_us_per_op", cpuTicks * ServerProbe.MICROS_PER_TICK / count);
      r.put("server_cpu_cores", cpuTicks * ServerProbe.MICROS_PER_TICK / 1e6 / seconds);
    }
    return r;
  }
}
