package io.streamkit.server.internal.rpc;

import io.grpc.Status;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Ends a stream that carried no message in either direction for the idle timeout. The hot path only bumps a
 * counter ({@link #touch()}); a timer looks every half timeout whether it moved, so an idle stream ends between
 * 1x and 1.5x the timeout after its last message, and a busy one costs one field write per message.
 *
 * <p>Threads: {@link #touch()} from any thread; the check runs on the server's timer thread.
 */
final class IdleWatch {
  private final Duration timeout;
  private final ScheduledExecutorService timer;
  private final Consumer<Status> onIdle;
  private final String streamId;
  /**
   * Bumped per message. Racy increments are fine: two writers collide only into old + 1, which still differs
   * from what the last check saw; the check only asks "did it move".
   */
  private volatile long activity;
  private long seenAtLastCheck = -1;
  private int quietChecks;
  private volatile ScheduledFuture<?> next;
  private volatile boolean stopped;

  private IdleWatch(Duration timeout, ScheduledExecutorService timer, String streamId, Consumer<Status> onIdle) {
    this.timeout = timeout;
    this.timer = timer;
    this.streamId = streamId;
    this.onIdle = onIdle;
  }

  /** Starts watching, or returns null when {@code timeout} is zero (off). */
  static IdleWatch start(Duration timeout, ScheduledExecutorService timer, String streamId, Consumer<Status> onIdle) {
    if (timeout.isZero()) {
      return null;
    }
    IdleWatch watch = new IdleWatch(timeout, timer, streamId, onIdle);
    watch.schedule();
    return watch;
  }

  void touch() {
    activity++;
  }

  void stop() {
    stopped = true;
    ScheduledFuture<?> f = next;
    if (f != null) {
      f.cancel(false);
    }
  }

  private void schedule() {
    if (!stopped) {
      next = timer.schedule(this::check, Math.max(1, timeout.toMillis() / 2), TimeUnit.MILLISECONDS);
    }
  }

  /** Timer thread only. */
  private void check() {
    if (stopped) {
      return;
    }
    long now = activity;
    if (now != seenAtLastCheck) {
      seenAtLastCheck = now;
      quietChecks = 0;
      schedule();
      return;
    }
    // Two quiet half-periods in a row: at least one full timeout without a message.
    if (++quietChecks < 2) {
      schedule();
      return;
    }
    stopped = true;
    onIdle.accept(ErrorDetails.withReason(Status.DEADLINE_EXCEEDED.withDescription(
            "stream " + streamId + " was idle for " + timeout.toMillis()
                + " ms (no message in either direction); the server's --stream-idle-timeout ends idle streams"),
        ErrorReason.STREAM_IDLE, Map.of("idle_timeout_ms", Long.toString(timeout.toMillis()))));
  }
}
