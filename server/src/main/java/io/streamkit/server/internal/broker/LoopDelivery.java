package io.streamkit.server.internal.broker;

import io.streamkit.server.broker.EventSink;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A topic's cursors whose sinks share one {@link EventSink#executor()} (in the server: one event loop), signalled
 * together by one task on that executor instead of one by one on the publisher's thread.
 *
 * <p>Why: a send from another thread makes grpc-java hand the message to the connection's event loop and wake
 * it, and the loop flushes what it finds, so a publisher writing to thousands of streams on other loops made those
 * loops wake and flush many times per publish. From a task on the loop itself, every send of the task is a plain
 * enqueue and they share the flushes that follow the task. Publishes that arrive before the task runs share it
 * too: each cursor delivers everything up to the last offset.
 *
 * <p>Thread-safe: {@link #signal()} from any thread; a signal during a run schedules another run, so none is lost.
 */
final class LoopDelivery implements Runnable {
  final Set<Cursor> cursors = ConcurrentHashMap.newKeySet();
  private final Executor executor;
  private final AtomicBoolean scheduled = new AtomicBoolean();

  LoopDelivery(Executor executor) {
    this.executor = executor;
  }

  void signal() {
    if (!scheduled.compareAndSet(false, true)) {
      return; // a run is pending and will see this publish
    }
    try {
      executor.execute(this);
    } catch (RejectedExecutionException e) {
      run(); // the executor is shutting down: deliver from here, as without a lane
    }
  }

  @Override
  public void run() {
    scheduled.set(false); // first: a publish from now on schedules another run
    for (Cursor cursor : cursors) {
      cursor.signal();
    }
  }
}
