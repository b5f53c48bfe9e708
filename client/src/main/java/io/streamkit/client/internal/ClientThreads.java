package io.streamkit.client.internal;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The threads a client owns: its default callback pool and its timer. Daemon threads, named. */
public final class ClientThreads {
  private static final Duration IDLE_THREAD_TIMEOUT = Duration.ofSeconds(60);

  private ClientThreads() {}

  /**
   * A pool of at most max(2, cores) threads. Its queue is unbounded, but what can wait in it is bounded
   * by flow control: a callback stream has at most one inbound message handed to it at a time, plus its
   * onReady and its end.
   */
  public static ExecutorService newCallbackPool() {
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads,
        IDLE_THREAD_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS,
        new LinkedBlockingQueue<>(), daemon("streamkit-client-callback-"));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** One thread for call deadlines; a cancelled deadline is removed at once so none accumulate. */
  public static ScheduledExecutorService newTimer() {
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(1, daemon("streamkit-client-timer-"));
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
