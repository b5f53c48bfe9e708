package io.streamkit.server.internal.rpc;

import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * The server's open streams, for shutdown (end them all with UNAVAILABLE) and for the figures in
 * {@code ServerStats}. Thread-safe.
 */
public final class StreamRegistry {

  /** Something the registry can end at shutdown. */
  interface Closeable {
    void abort(Status status);
  }

  private final Set<Closeable> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final LongAccumulator peakQueuedBytesPerStream = new LongAccumulator(Math::max, 0);
  private final AtomicLong opened = new AtomicLong();

  String nextStreamId(String prefix) {
    return prefix + "-" + ids.incrementAndGet();
  }

  void register(Closeable stream) {
    open.add(stream);
    opened.incrementAndGet();
  }

  void unregister(Closeable stream) {
    open.remove(stream);
  }

  void queued(long bytes, long streamQueuedBytes) {
    queuedBytes.addAndGet(bytes);
    peakQueuedBytesPerStream.accumulate(streamQueuedBytes);
  }

  void dequeued(long bytes) {
    queuedBytes.addAndGet(-bytes);
  }

  /** Ends every open stream with {@code status}; returns how many were open. */
  public int abortAll(Status status) {
    int n = 0;
    for (Closeable stream : open.toArray(new Closeable[0])) {
      stream.abort(status);
      n++;
    }
    return n;
  }

  public int openStreams() {
    return open.size();
  }

  public long streamsOpened() {
    return opened.get();
  }

  public long queuedOutboundBytes() {
    return queuedBytes.get();
  }

  public long peakQueuedOutboundBytesPerStream() {
    return peakQueuedBytesPerStream.get();
  }
}
