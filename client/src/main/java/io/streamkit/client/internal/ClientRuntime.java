package io.streamkit.client.internal;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one client owns and shares with its views: the connection, the credentials applied to every call, the
 * callback executor, the timer, the registry of open streams and the shared request/reply stream; and the order
 * in which they stop.
 *
 * <p>Threading: thread-safe. Lifecycle: created by the client's builder, closed once by the client's owner;
 * {@link #close} is idempotent.
 */
public final class ClientRuntime {
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  /** The connection, for its lifecycle; calls go through {@link #channel}, which adds the credentials. */
  private final ManagedChannel transport;
  private final Channel channel;
  private final Executor callbackExecutor;
  private final ExecutorService ownedCallbackExecutor; // null when the user supplied the executor
  private final ScheduledExecutorService timer;
  private final OpenCalls openCalls = new OpenCalls();
  private final ChatCorrelator correlator;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Takes ownership of {@code transport} and, when {@code callbackExecutor} is null, of a callback pool it makes.
   *
   * @param credentials applied to every call, or null
   * @param callbackExecutor where callbacks run, or null for a pool the runtime owns
   * @param requestReply the per-call settings of the shared request/reply stream
   */
  public ClientRuntime(ManagedChannel transport, CallCredentials credentials, Executor callbackExecutor,
      long maxQueuedBytes, CallSettings requestReply) {
    this.transport = transport;
    this.channel = credentials == null
        ? transport
        : ClientInterceptors.intercept(transport, new CredentialsInterceptor(credentials));
    this.ownedCallbackExecutor = callbackExecutor == null ? ClientThreads.newCallbackPool() : null;
    this.callbackExecutor = callbackExecutor == null ? ownedCallbackExecutor : callbackExecutor;
    this.timer = ClientThreads.newTimer();
    this.correlator = new ChatCorrelator(requestReply.subscribeChannel(channel, timer), this.callbackExecutor,
        maxQueuedBytes, timer, openCalls);
  }

  /** The connection with the client's credentials. */
  public Channel channel() {
    return channel;
  }

  public Executor callbackExecutor() {
    return callbackExecutor;
  }

  public ScheduledExecutorService timer() {
    return timer;
  }

  public OpenCalls openCalls() {
    return openCalls;
  }

  /** The shared request/reply stream. */
  public ChatCorrelator correlator() {
    return correlator;
  }

  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Fails pending calls and open streams with CANCELLED, shuts the connection down and stops the owned threads,
   * waiting at most 5 seconds in all. Idempotent. Must not run on a callback thread: it waits for the pool.
   */
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Status status = Status.CANCELLED.withDescription("StreamKitClient closed");
    correlator.close(status);
    openCalls.closeAll(status);
    long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
    transport.shutdown();
    try {
      if (!transport.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
        transport.shutdownNow();
      }
      timer.shutdownNow();
      // Every callback stream's last callback (onError CANCELLED) must have run before its executor stops:
      // an executor that rejects grpc-java's callback tasks breaks the calls still draining.
      openCalls.awaitEmpty(deadline - System.nanoTime());
      if (ownedCallbackExecutor != null) {
        ownedCallbackExecutor.shutdown();
        if (!ownedCallbackExecutor.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
          ownedCallbackExecutor.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      transport.shutdownNow();
      timer.shutdownNow();
      if (ownedCallbackExecutor != null) {
        ownedCallbackExecutor.shutdownNow();
      }
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The per-call settings a client or one of its views applies to the streams it opens.
   *
   * @param streamDeadline the deadline of bidi and publish streams, or null for none
   * @param compression {@code gzip} or {@code identity}
   * @param streamStartTimeout how long a new stream may wait to start
   */
  public record CallSettings(Duration streamDeadline, String compression, Duration streamStartTimeout) {
    /** For bidi and publish streams: the start watch, compression and the stream deadline, if any. */
    public Channel streamChannel(Channel channel, ScheduledExecutorService timer) {
      return ClientInterceptors.intercept(channel, new StreamStartWatch(streamStartTimeout, timer),
          new CallDefaults(streamDeadline, compression));
    }

    /** For subscriptions and the request/reply stream: the start watch and compression; never a deadline. */
    public Channel subscribeChannel(Channel channel, ScheduledExecutorService timer) {
      return ClientInterceptors.intercept(channel, new StreamStartWatch(streamStartTimeout, timer),
          new CallDefaults(null, compression));
    }

    public CallSettings withDeadline(Duration deadline) {
      return new CallSettings(deadline, compression, streamStartTimeout);
    }

    public CallSettings withCompression(String encoding) {
      return new CallSettings(streamDeadline, encoding, streamStartTimeout);
    }
  }
}
