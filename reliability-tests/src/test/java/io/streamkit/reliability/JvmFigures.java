package io.streamkit.reliability;

import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.awaitility.core.ConditionTimeoutException;

/** Heap and thread figures of this JVM, which holds the embedded server (and the test's clients). */
final class JvmFigures {
  static final long MIB = 1024 * 1024;

  private JvmFigures() {}

  /** Used heap after a full GC, in bytes. */
  static long heapAfterGc() {
    // Two rounds: the first may only finalize or clear references the second frees.
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  /**
   * Waits until the thread count is at most {@code limit}: threads of finished work (for example the blocking
   * pool's or the client's) end on their own, so a transient excess is not a leak.
   */
  static void awaitThreadsAtMost(int limit) {
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> threads() <= limit);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("threads: " + threads() + " (expected: at most " + limit + "); live: "
          + Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList(), e);
    }
  }
}
