package io.streamkit.server.internal.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One stream's handler order: inline when the sequencer is free, otherwise behind what was queued, never two at once. */
@Timeout(20)
class HandlerSequencerTest {

  /** An executor whose tasks run when the test says so, on the test's thread. */
  static final class ManualExecutor implements java.util.concurrent.Executor {
    final Queue<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    void runAll() {
      Runnable t;
      while ((t = tasks.poll()) != null) {
        t.run();
      }
    }
  }

  private final ManualExecutor executor = new ManualExecutor();
  private final HandlerSequencer sequencer = new HandlerSequencer(executor, "chat-1");
  private final List<String> ran = new CopyOnWriteArrayList<>();

  /** What the transport does for a non-blocking message: inline if it may, else behind the queue. */
  private void inlineOrSubmit(String name) {
    if (sequencer.tryEnterInline()) {
      try {
        ran.add(name + " inline");
      } finally {
        sequencer.releaseInline();
      }
    } else {
      sequencer.submit(() -> ran.add(name + " queued"));
    }
  }

  @Test
  void aTaskRunsInlineOnTheCallingThreadWhenNothingIsQueued() {
    inlineOrSubmit("a");
    inlineOrSubmit("b");

    assertThat(ran).containsExactly("a inline", "b inline");
    assertThat(executor.tasks).isEmpty();
  }

  @Test
  void aNonBlockingTaskNeverOvertakesABlockingOneQueuedBeforeIt() {
    sequencer.submit(() -> ran.add("blocking"));
    inlineOrSubmit("fast");

    assertThat(ran).as("nothing ran on the caller: the sequencer was taken").isEmpty();
    assertThat(executor.tasks).as("one drain task for the sequencer").hasSize(1);
    executor.runAll();
    assertThat(ran).containsExactly("blocking", "fast queued");
  }

  @Test
  void tasksSubmittedDuringAnInlineRunGoToTheExecutorAfterIt() {
    assertThat(sequencer.tryEnterInline()).isTrue();
    assertThat(sequencer.tryEnterInline()).as("the sequencer has one owner").isFalse();
    sequencer.submit(() -> ran.add("submitted during"));
    ran.add("inline");
    assertThat(executor.tasks).as("not before the inline run ends").isEmpty();
    sequencer.releaseInline();

    executor.runAll();
    assertThat(ran).containsExactly("inline", "submitted during");
  }

  @Test
  void theSequencerRunsInlineAgainOnceTheExecutorDrainedIt() {
    sequencer.submit(() -> ran.add("blocking"));
    executor.runAll();

    inlineOrSubmit("fast");

    assertThat(ran).containsExactly("blocking", "fast inline");
  }

  @Test
  void aRejectingExecutorRunsTheTasksOnTheCallingThreadSoCloseHooksStillRun() {
    HandlerSequencer shutDown = new HandlerSequencer(task -> {
      throw new RejectedExecutionException("shut down");
    }, "chat-1");

    shutDown.submit(() -> ran.add("close hook"));

    assertThat(ran).containsExactly("close hook");
  }

  @Test
  void aTaskThatThrowsDoesNotStopTheSequencer() {
    sequencer.submit(() -> {
      throw new IllegalStateException("bug");
    });
    sequencer.submit(() -> ran.add("next"));
    executor.runAll();

    inlineOrSubmit("after");
    assertThat(ran).containsExactly("next", "after inline");
  }

  @Test
  void callbacksOfOneStreamNeverOverlapAndKeepTheirOrderOnARealPool() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      HandlerSequencer onPool = new HandlerSequencer(pool, "chat-1");
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger overlaps = new AtomicInteger();
      List<Integer> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
      int n = 10_000;
      CountDownLatch done = new CountDownLatch(n);
      for (int i = 0; i < n; i++) {
        int id = i;
        Runnable task = () -> {
          if (inside.incrementAndGet() != 1) {
            overlaps.incrementAndGet();
          }
          order.add(id);
          inside.decrementAndGet();
          done.countDown();
        };
        if (i % 3 != 0 && onPool.tryEnterInline()) { // two in three "non-blocking", as the transport would
          try {
            task.run();
          } finally {
            onPool.releaseInline();
          }
        } else {
          onPool.submit(task);
        }
      }
      assertThat(done.await(10, TimeUnit.SECONDS)).as("every task ran").isTrue();
      assertThat(overlaps).hasValue(0);
      assertThat(order).isSorted().hasSize(n);
    } finally {
      pool.shutdownNow();
    }
  }
}
