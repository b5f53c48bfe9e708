package io.streamkit.server.internal.rpc;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * End-of-stream bookkeeping of one stream that handlers see (a Chat stream, or one unary call): the stream ends
 * once, and what must happen then runs once.
 *
 * <p>Vocabulary of this package: a stream <em>ends</em> when it takes no more sends, whoever ended it (the server
 * closed it, its outbound buffer overflowed, the server shut down, the client cancelled, completed or its
 * deadline expired). {@code close(status)} is the server's request to end it in order (queued messages first),
 * {@code abort(status)} ends it at once; the transport's own word for its last callback ({@code onComplete},
 * {@code onCancel}) is kept where grpc-java calls it.
 *
 * <p>Thread-safe: {@link #end()} and {@link #onEnd(Runnable)} may race from any threads; each step runs exactly
 * once, either on the thread that ended the stream or, when registered after the end, on the registering thread.
 */
public final class StreamEnd {
  private static final Logger log = LoggerFactory.getLogger(StreamEnd.class);

  private final String streamId;
  /** The steps to run at the end, in registration order; null once the stream ended. Guarded by this. */
  private List<Runnable> steps = new ArrayList<>(2);
  private volatile boolean ended;
  private volatile boolean cancelled;

  public StreamEnd(String streamId) {
    this.streamId = streamId;
  }

  /**
   * Runs {@code step} once when the stream ends, or at once (on this thread) if it already ended. Steps run in the
   * order they were registered; one that throws is logged and does not stop the others. Steps must not block.
   */
  public void onEnd(Runnable step) {
    synchronized (this) {
      if (steps != null) {
        steps.add(step);
        return;
      }
    }
    run(step);
  }

  /**
   * Records the end. The first call runs every registered step, in order, on this thread, and returns true; later
   * calls do nothing and return false.
   */
  public boolean end() {
    List<Runnable> toRun;
    synchronized (this) {
      if (steps == null) {
        return false;
      }
      toRun = steps;
      steps = null;
      ended = true;
    }
    for (Runnable step : toRun) {
      run(step);
    }
    return true;
  }

  /** Whether the stream ended. */
  public boolean isEnded() {
    return ended;
  }

  /** Records that the client cancelled the stream or its deadline expired; call before {@link #end()}. */
  public void cancelled() {
    cancelled = true;
  }

  /** Whether the client cancelled the stream or its deadline expired. */
  public boolean isCancelled() {
    return cancelled;
  }

  private void run(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      log.warn("stream {}: a step at its end failed", streamId, e);
    }
  }
}
