package io.streamkit.bench;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The timeline of one scenario run: warm-up, then the measured window, then stop. Callbacks read {@link #measuring}
 * to decide whether to record a latency; the driver thread reads counters at the window's edges. Thread-safe.
 */
final class Phase {
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

  void begin(LongSupplier counter) {
    startCount = counter.getAsLong();
    startNanos = System.nanoTime();
    measuring = true;
  }

  double end(LongSupplier counter) {
    measuring = false;
    count = counter.getAsLong() - startCount;
    seconds = (System.nanoTime() - startNanos) / 1e9;
    return count / seconds;
  }

  long count() {
    return count;
  }

  double seconds() {
    return seconds;
  }
}
