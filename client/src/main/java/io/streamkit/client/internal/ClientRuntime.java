package io.streamkit.client.internal;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.streamkit.client.ConnectionListener;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntToLongFunction;

/**
 * What one client owns and shares with its views: the connection and its watch, the credentials applied to every
 * call, the callback executor, the reply thread, the timer, the registry of open streams, the shared request/reply
 * stream and one-call publishing; and the order in which they stop.
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
  private final ExecutorService replyExecutor = ClientThreads.newReplyExecutor();
  private final ScheduledExecutorService timer = ClientThreads.newTimer();
  private final OpenCalls openCalls = new OpenCalls();
  private final ConnectionWatch connection;
  private final ChatCorrelator correlator;
  private final EventPublishing publishing;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Takes ownership of {@code transport} and, when {@code callbackExecutor} is null, of a callback pool it makes.
   *
   * @param target the server's address as the application gave it, for error messages
   * @param credentials applied to every call, or null
   * @param callbackExecutor where callbacks run, or null for a pool the runtime owns
   * @param reconnectBackoff the client's reconnect policy (attempt n to its delay in nanos, -1 when none is left)
   * @param connectionListener the application's, or null
   * @param requestReply the per-call settings of the shared request/reply stream and of one-call publishing
   */
  public ClientRuntime(ManagedChannel transport, String target, CallCredentials credentials,
      Executor callbackExecutor, long maxQueuedBytes, IntToLongFunction reconnectBackoff,
      ConnectionListener connectionListener, CallSettings requestReply) {
    this.transport = transport;
    Channel described = ClientInterceptors.intercept(transport, new ConnectionErrors(target));
    this.channel = credentials == null
        ? described
        : ClientInterceptors.intercept(described, new CredentialsInterceptor(credentials));
    this.ownedCallbackExecutor = callbackExecutor == null ? ClientThreads.newCallbackPool() : null;
    this.callbackExecutor = callbackExecutor == null ? ownedCallbackExecutor : callbackExecutor;
    this.connection =
        new ConnectionWatch(transport, timer, reconnectBackoff, connectionListener, this.callbackExecutor);
    this.connection.start();
    this.correlator = ChatCorrelator.overChat(requestReply.subscribeChannel(channel, timer), replyExecutor,
        maxQueuedBytes, timer, openCalls);
    this.publishing = new EventPublishing(requestReply.streamChannel(channel, timer), replyExecutor, maxQueuedBytes);
    this.connection.onChange(state -> {
      if (state == io.streamkit.client.ConnectionState.IDLE) {
        correlator.retireIfIdle(); // the connection is going away (GOAWAY): let a draining server finish early
      }
    });
  }

  /** The connection with the client's credentials. */
  public Channel channel() {
    return channel;
  }

  public Executor callbackExecutor() {
    return callbackExecutor;
  }

  /** The connection's state, its listener and reconnecting. */
  public ConnectionWatch connection() {
    return connection;
  }

  /** One-call publishing. */
  public EventPublishing publishing() {
    return publishing;
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
   * Fails pending calls and open streams with CANCELLED, shuts the connection down (publishes in flight get the
   * 5 seconds to be acknowledged, then fail), tells the connection listener CLOSED, and stops the owned threads,
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
      connection.close();
      publishing.failPending(Status.CANCELLED.withDescription(
          "StreamKitClient closed before the publish was acknowledged; it may or may not be stored"));
      // Every callback stream's last callback (onError CANCELLED) must have run before its executor stops:
      // an executor that rejects grpc-java's callback tasks breaks the calls still draining.
      openCalls.awaitEmpty(deadline - System.nanoTime());
      replyExecutor.shutdown();
      if (!replyExecutor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        replyExecutor.shutdownNow();
      }
      if (ownedCallbackExecutor != null) {
        ownedCallbackExecutor.shutdown();
        if (!ownedCallbackExecutor.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
          ownedCallbackExecutor.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      transport.shutdownNow();
      timer.shutdownNow();
      connection.close();
      publishing.failPending(status);
      replyExecutor.shutdownNow();
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
