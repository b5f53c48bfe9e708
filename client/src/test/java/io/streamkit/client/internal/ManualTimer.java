package io.streamkit.client.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A timer whose clock moves only when the test says: {@link #advance} runs every task that has come due, in order
 * of due time, on the test's thread. {@link #execute} queues a task due now. A recording fake for unit tests of
 * what the client schedules (deadlines, reconnect delays); not thread-safe beyond what one test thread needs, but
 * tasks may be scheduled from other threads.
 */
final class ManualTimer extends AbstractExecutorService implements ScheduledExecutorService {
  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>(Comparator.comparingLong((Task t) -> t.due).thenComparingLong(t -> t.sequence));
  private long now;
  private long sequence;
  private boolean shutdown;

  /** Moves the clock by {@code duration}, running every task due by then (including ones they schedule). */
  void advance(Duration duration) {
    long until = now + duration.toNanos();
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.due > until) {
          now = until;
          return;
        }
        tasks.poll();
        now = next.due;
      }
      if (!next.cancelled) {
        next.done = true;
        next.task.run();
      }
    }
  }

  /** Runs what is due now, without moving the clock. */
  void runDue() {
    advance(Duration.ZERO);
  }

  /** Tasks waiting, not cancelled. */
  synchronized int pending() {
    return (int) tasks.stream().filter(t -> !t.cancelled).count();
  }

  /** How long until the next task is due, or null when none is waiting. */
  synchronized Duration nextDue() {
    return tasks.stream().filter(t -> !t.cancelled).map(t -> Duration.ofNanos(t.due - now))
        .min(Comparator.naturalOrder()).orElse(null);
  }

  @Override
  public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    if (shutdown) {
      throw new RejectedExecutionException("timer shut down");
    }
    Task t = new Task(command, now + unit.toNanos(delay), sequence++);
    tasks.add(t);
    return t;
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
      TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> left = new ArrayList<>();
    tasks.forEach(t -> left.add(t.task));
    tasks.clear();
    return left;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return true;
  }

  private final class Task implements ScheduledFuture<Object> {
    final Runnable task;
    final long due;
    final long sequence;
    volatile boolean cancelled;
    volatile boolean done;

    Task(Runnable task, long due, long sequence) {
      this.task = task;
      this.due = due;
      this.sequence = sequence;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      synchronized (ManualTimer.this) {
        return unit.convert(due - now, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done) {
        return false;
      }
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done || cancelled;
    }

    @Override
    public Object get() throws ExecutionException {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }
  }
}
