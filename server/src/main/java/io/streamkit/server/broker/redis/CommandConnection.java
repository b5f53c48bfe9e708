package io.streamkit.server.broker.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.util.concurrent.CompletableFuture;

/**
 * The command connection of one Redis node: publishes, WAITs, trims and wake-ups (shared by every publisher of
 * this instance: Lettuce pipelines their commands).
 * It is made on first use and made again, asynchronously, after it failed; nothing here blocks.
 *
 * <p>Thread-safe.
 */
final class CommandConnection implements AutoCloseable {
  private final RedisClient client;
  private final RedisURI uri;
  private CompletableFuture<StatefulRedisConnection<byte[], byte[]>> current;
  private boolean closed;

  CommandConnection(RedisClient client, RedisURI uri) {
    this.client = client;
    this.uri = uri;
  }

  synchronized CompletableFuture<StatefulRedisConnection<byte[], byte[]>> get() {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("the Redis broker is closed"));
    }
    CompletableFuture<StatefulRedisConnection<byte[], byte[]>> f = current;
    boolean usable = f != null && (!f.isDone() || (!f.isCompletedExceptionally() && f.join().isOpen()));
    if (!usable) {
      if (f != null && f.isDone() && !f.isCompletedExceptionally()) {
        f.join().closeAsync();
      }
      current = f = client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture();
    }
    return f;
  }

  /**
   * After a failed command: unless Redis itself answered with an error, the connection may be broken (Redis
   * restarted, a timeout): drop it so that the next command connects again.
   */
  synchronized void failed(StatefulRedisConnection<byte[], byte[]> connection, Throwable error) {
    Throwable cause = error.getCause() != null && !(error instanceof RedisCommandExecutionException)
        ? error.getCause() : error;
    if (cause instanceof RedisCommandExecutionException) {
      return;
    }
    if (current != null && current.isDone() && !current.isCompletedExceptionally()
        && current.join() == connection) {
      current = null;
      connection.closeAsync();
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (current != null && current.isDone() && !current.isCompletedExceptionally() && current.join().isOpen()) {
      current.join().close();
    }
    current = null;
  }
}
