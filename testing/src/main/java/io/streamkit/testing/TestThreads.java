package io.streamkit.testing;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Bounded joins for the threads a test starts: a thread that does not end in time fails the test with its name and
 * where it is stuck, instead of holding the build until the test's own time limit.
 *
 * <p>Stateless and thread-safe.
 */
public final class TestThreads {
  private TestThreads() {}

  /** Joins every thread within {@code timeout} in all; fails naming each one still running and its stack. */
  public static void join(Duration timeout, Iterable<? extends Thread> threads) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : threads) {
      long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      t.join(left);
      if (t.isAlive()) {
        throw new AssertionError("thread '" + t.getName() + "' still running after " + timeout + ", at:\n"
            + stack(t));
      }
    }
  }

  /** Joins {@code threads} within {@code timeout} in all. */
  public static void join(Duration timeout, Thread... threads) throws InterruptedException {
    join(timeout, List.of(threads));
  }

  private static String stack(Thread t) {
    return Arrays.stream(t.getStackTrace()).map(f -> "  at " + f).collect(Collectors.joining("\n"));
  }
}
