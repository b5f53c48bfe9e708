package io.streamkit.server.internal.rpc;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one stream's handler callbacks one at a time and in order, inline on the calling (transport) thread
 * when that is allowed and nothing is queued, otherwise on the blocking executor.
 *
 * <p>Invariant: {@code wip} counts tasks submitted and not yet accounted for by the sequencer's current owner;
 * whoever moves it from 0 to 1 owns the sequencer until it brings it back to 0. The owner is either the transport
 * thread running one non-blocking task inline, or a single drain loop on the executor. So callbacks of one
 * stream never overlap, and a non-blocking callback never overtakes a blocking one queued before it.
 */
final class HandlerSequencer {
  private static final Logger log = LoggerFactory.getLogger(HandlerSequencer.class);

  private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger wip = new AtomicInteger();
  private final Executor executor;
  private final String streamId;

  HandlerSequencer(Executor executor, String streamId) {
    this.executor = executor;
    this.streamId = streamId;
  }

  /**
   * Tries to take the sequencer for an inline run on the current thread. Returns true when the caller owns the
   * sequencer and must call {@link #releaseInline()} after running its task.
   */
  boolean tryEnterInline() {
    return wip.get() == 0 && wip.compareAndSet(0, 1);
  }

  /** Ends an inline run; tasks queued meanwhile go to the executor. */
  void releaseInline() {
    int missed = wip.addAndGet(-1);
    if (missed != 0) {
      schedule(missed);
    }
  }

  /** Queues {@code task} behind everything submitted before it; it runs on the executor. */
  void submit(Runnable task) {
    pending.add(task);
    if (wip.getAndIncrement() == 0) {
      schedule(1);
    }
  }

  private void schedule(int missed) {
    try {
      executor.execute(() -> drain(missed));
    } catch (RejectedExecutionException e) {
      // Only during server shutdown, after the grace period: run what is left here so close hooks still run.
      log.debug("stream {}: blocking executor rejected the sequencer's drain; running it on the calling thread", streamId);
      drain(missed);
    }
  }

  private void drain(int missed) {
    for (; ; ) {
      Runnable task;
      while ((task = pending.poll()) != null) {
        try {
          task.run();
        } catch (RuntimeException | LinkageError e) {
          // Tasks report their own failures; reaching here is a bug. Keep the sequencer alive for later callbacks.
          log.error("stream {}: unexpected failure in a handler callback task", streamId, e);
        }
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }
}
