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

/**
 * The threads a client owns: its default callback pool, its reply thread and its timer. Daemon threads, named.
 *
 * <p>Why replies have a thread of their own: application callbacks (stream and subscription listeners) run on the
 * callback pool and may block on a reply ({@code call(...).get()}). If replies completed on that pool, a few such
 * callbacks would occupy every pool thread and no reply could complete: a deadlock until the deadline. Replies
 * complete on the reply thread instead, which runs no listener; the one thing that can block it is a dependent
 * stage of a reply future, and {@link ReplyFuture} refuses to block there.
 */
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
        new LinkedBlockingQueue<>(), daemon("streamkit-client-callback-", Thread::new));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * One thread that completes the futures of {@code call()} and {@code publish()}. Its queue is bounded by what
   * is in flight: one task per reply stream callback (flow control: one inbound message at a time) and per
   * publish, whose bytes in flight are bounded.
   */
  public static ExecutorService newReplyExecutor() {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, IDLE_THREAD_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS,
        new LinkedBlockingQueue<>(), daemon("streamkit-client-replies-", ReplyThread::new));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** Whether the current thread is a reply thread of some client. */
  static boolean onReplyThread() {
    return Thread.currentThread() instanceof ReplyThread;
  }

  /** One thread for deadlines and reconnect delays; a cancelled task is removed at once so none accumulate. */
  public static ScheduledExecutorService newTimer() {
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(1, daemon("streamkit-client-timer-", Thread::new));
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  private interface NewThread {
    Thread create(Runnable task, String name);
  }

  private static ThreadFactory daemon(String prefix, NewThread newThread) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = newThread.create(task, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Marks the threads on which {@link ReplyFuture} refuses to block. */
  private static final class ReplyThread extends Thread {
    ReplyThread(Runnable task, String name) {
      super(task, name);
    }
  }
}
