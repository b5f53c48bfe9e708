package io.streamkit.client.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future of a {@code call()} or {@code publish()}: completed on the client's reply thread (see
 * {@link ClientThreads}). A dependent stage without an executor runs on that thread, so a blocking {@code get()}
 * or {@code join()} there on a future that is not done would wait for the very thread it blocks: it fails at once
 * with IllegalStateException saying so. Derived futures ({@code thenApply}, ...) are ReplyFutures too.
 *
 * <p>Thread-safe, like every CompletableFuture.
 */
public final class ReplyFuture<T> extends CompletableFuture<T> {

  @Override
  public T get() throws InterruptedException, ExecutionException {
    checkMayBlock();
    return super.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
    checkMayBlock();
    return super.get(timeout, unit);
  }

  @Override
  public T join() {
    checkMayBlock();
    return super.join();
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new ReplyFuture<>();
  }

  private void checkMayBlock() {
    if (!isDone() && ClientThreads.onReplyThread()) {
      throw new IllegalStateException("blocking on a StreamKit reply future on the client's reply thread ("
          + Thread.currentThread().getName() + ") would deadlock: replies complete on this thread, and this "
          + "code runs on it as a dependent stage of another reply; chain a stage instead (thenCompose, "
          + "thenAccept) or run the blocking code on your own executor (thenAcceptAsync(action, executor))");
    }
  }
}
