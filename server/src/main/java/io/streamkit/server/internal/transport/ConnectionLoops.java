package io.streamkit.server.internal.transport;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.RejectedExecutionHandlers;
import io.netty.util.internal.SystemPropertyUtil;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * The connection event loops: Netty's own ({@link SingleThreadIoEventLoop}), but back to reading the sockets after at
 * most {@value #TASK_QUANTUM_MILLIS} ms of queued tasks, where Netty 4.2 allows 1 s by default
 * ({@code io.netty.eventLoop.maxTaskProcessingQuantumMs}, at least 100 ms when set that way).
 *
 * <p>Why: a stream written at full speed keeps its loop's task queue from ever emptying (a flush completes the
 * writes, which makes the stream ready, whose handler writes and queues the next flush), and the loop reads no
 * socket until the queue is empty or the quantum is over. With 1 s, every other connection on that loop (their
 * publishes, cancels, pings, window updates) waited up to a second behind one subscriber catching up or a
 * flood of replies; measured on grpc-java's loops (BidiStreamTest): a client's RST_STREAM read 700 ms after it was
 * sent. A select per quantum costs a system call every few milliseconds, only on a loop that is busy anyway.
 *
 * <p>Thread-safe, as any event loop group; owned and shut down by {@link ConnectionGuard}.
 */
final class ConnectionLoops extends MultiThreadIoEventLoopGroup {
  static final long TASK_QUANTUM_MILLIS = 5;
  private static final int MAX_PENDING_TASKS =
      Math.max(16, SystemPropertyUtil.getInt("io.netty.eventLoop.maxPendingTasks", Integer.MAX_VALUE));

  ConnectionLoops(int threads, ThreadFactory threadFactory, IoHandlerFactory ioHandlerFactory) {
    super(threads, threadFactory, ioHandlerFactory);
  }

  @Override
  protected IoEventLoop newChild(Executor executor, IoHandlerFactory ioHandlerFactory, Object... args) {
    return new SingleThreadIoEventLoop(this, executor, ioHandlerFactory, MAX_PENDING_TASKS,
        RejectedExecutionHandlers.reject(), TASK_QUANTUM_MILLIS);
  }
}
