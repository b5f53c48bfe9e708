package io.streamkit.server.broker.redis;

import io.streamkit.testing.RedisProcess;
import java.util.ArrayList;
import java.util.List;

/** What a Redis broker test starts (redis-servers, brokers, executors), closed in reverse order after it. */
final class RedisResources implements AutoCloseable {
  private final List<AutoCloseable> opened = new ArrayList<>();

  <T extends AutoCloseable> T add(T resource) {
    opened.add(resource);
    return resource;
  }

  /** A redis-server on a free port, with {@code appendonly yes} or {@code no}. */
  RedisProcess redis(boolean appendOnly) throws Exception {
    return add(RedisProcess.start(appendOnly));
  }

  @Override
  public void close() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    opened.clear();
  }
}
