package io.streamkit.client.internal;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.streamkit.client.ConnectionListener;
import io.streamkit.client.ConnectionState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one channel's state: reports it to the application's {@link ConnectionListener}, tells waiters when it
 * is READY, and drives reconnecting on the client's reconnect policy instead of gRPC's own backoff.
 *
 * <p>Why drive reconnecting: after a failed connect, gRPC waits its own backoff (1 s growing to 2 minutes) before
 * the next attempt, and while it waits every fail-fast call fails at once (pick-first keeps the channel in
 * TRANSIENT_FAILURE until a connection is READY, even right after {@code resetConnectBackoff()}). So after an
 * outage of 30 s, a server that is back could stay unused for tens of seconds. While the channel is in
 * TRANSIENT_FAILURE, this class calls {@code resetConnectBackoff()} after each delay of the policy (attempt 1, 2,
 * ...), so the channel is READY at most one policy delay plus one connect after the server is back.
 *
 * <p>Concurrency: state changes and the reconnect ticks run on the timer thread, one at a time; waiters and the
 * state are guarded by this. Listener callbacks are queued in order and run one at a time on the callback
 * executor, never under the lock.
 */
public final class ConnectionWatch {
  private static final Logger logger = LoggerFactory.getLogger(ConnectionWatch.class);

  private final ManagedChannel channel;
  private final ScheduledExecutorService timer;
  private final IntToLongFunction backoff; // attempt -> delay nanos, -1 when none is left
  private final ConnectionListener listener; // null: none
  private final Executor callbackExecutor;
  private final List<Consumer<ConnectionState>> internalListeners = new CopyOnWriteArrayList<>();

  // Guarded by this.
  private ConnectionState state = ConnectionState.IDLE;
  private final List<Runnable> readyWaiters = new ArrayList<>();
  private ScheduledFuture<?> reconnectTick;
  private int reconnectAttempts;
  private final ArrayDeque<ConnectionState> undelivered = new ArrayDeque<>();
  private boolean delivering;

  /**
   * @param backoff the client's reconnect policy: delay before reconnect attempt n, or -1 when none is left
   * @param listener the application's listener, or null
   */
  public ConnectionWatch(ManagedChannel channel, ScheduledExecutorService timer, IntToLongFunction backoff,
      ConnectionListener listener, Executor callbackExecutor) {
    this.channel = channel;
    this.timer = timer;
    this.backoff = backoff;
    this.listener = listener;
    this.callbackExecutor = callbackExecutor;
  }

  /** Starts following the channel's state. */
  public void start() {
    follow(channel.getState(false));
  }

  /** Tells {@code action} of every change, on the timer thread; for the client's own parts, which never block. */
  public void onChange(Consumer<ConnectionState> action) {
    internalListeners.add(action);
  }

  /**
   * The state now: the channel's own, read live, because the followed state lags it by a hop through the channel's
   * executor and the timer (a call that just succeeded would otherwise still see CONNECTING).
   */
  public ConnectionState state() {
    synchronized (this) {
      if (state == ConnectionState.CLOSED) {
        return state;
      }
    }
    return map(channel.getState(false));
  }

  /** Whether the last connection attempt failed and no connection is READY yet (gRPC's TRANSIENT_FAILURE). */
  public boolean isReconnecting() {
    return state() == ConnectionState.RECONNECTING;
  }

  /**
   * Starts a connection attempt now if the channel is waiting out a backoff (it is RECONNECTING) or is IDLE; does
   * nothing if one is in progress or it is READY. May be called from any thread.
   */
  public void reconnectNow() {
    ConnectivityState now = channel.getState(false);
    if (now == ConnectivityState.TRANSIENT_FAILURE) {
      channel.resetConnectBackoff();
    } else if (now == ConnectivityState.IDLE) {
      channel.getState(true);
    }
  }

  /**
   * Runs {@code task} on the timer thread once the channel is READY (at once, on the calling thread, if it is
   * READY now). The task must be short and must not block. Returns what cancels the wait; a task that ran or was
   * cancelled is forgotten. If the client closes first, the task never runs.
   */
  public Runnable whenReady(Runnable task) {
    synchronized (this) {
      if (state != ConnectionState.READY) {
        readyWaiters.add(task);
        return () -> {
          synchronized (ConnectionWatch.this) {
            readyWaiters.remove(task);
          }
        };
      }
    }
    task.run();
    return () -> { };
  }

  /** The client is closing: reports CLOSED and forgets the waiters. Idempotent. */
  public void close() {
    transition(ConnectionState.CLOSED);
  }

  private void follow(ConnectivityState seen) {
    ConnectionState next = map(seen);
    if (next == ConnectionState.READY) {
      ConnectionState before;
      synchronized (this) {
        before = state;
      }
      if (before == ConnectionState.IDLE) {
        // gRPC says that the state changed, not to what, and a fast connect passes CONNECTING between two looks
        // at it; a READY channel did connect, so the listener hears the sequence ConnectionState documents.
        transition(ConnectionState.CONNECTING);
      }
    }
    transition(next);
    if (seen == ConnectivityState.SHUTDOWN) {
      return;
    }
    // The callback runs on the channel's executor; the state is followed on the timer, one change at a time.
    channel.notifyWhenStateChanged(seen, () -> {
      try {
        timer.execute(() -> follow(channel.getState(false)));
      } catch (RejectedExecutionException e) {
        // The timer stopped: the client is closing, and close() reports CLOSED.
      }
    });
  }

  private void transition(ConnectionState next) {
    List<Runnable> ready = List.of();
    synchronized (this) {
      if (state == ConnectionState.CLOSED || state == next) {
        return;
      }
      state = next;
      undelivered.add(next);
      if (next == ConnectionState.READY) {
        ready = new ArrayList<>(readyWaiters);
        readyWaiters.clear();
      } else if (next == ConnectionState.CLOSED) {
        readyWaiters.clear();
      }
      if (next == ConnectionState.RECONNECTING) {
        reconnectAttempts = 0;
        scheduleReconnectLocked();
      } else if (reconnectTick != null) {
        reconnectTick.cancel(false);
        reconnectTick = null;
      }
    }
    deliver();
    for (Consumer<ConnectionState> internal : internalListeners) {
      internal.accept(next);
    }
    for (Runnable task : ready) {
      try {
        task.run();
      } catch (RuntimeException e) {
        logger.warn("a task waiting for the connection failed", e);
      }
    }
  }

  private void scheduleReconnectLocked() {
    long delay = backoff.applyAsLong(++reconnectAttempts);
    if (delay < 0) {
      reconnectTick = null; // the policy gave up: gRPC's own backoff goes on
      return;
    }
    try {
      reconnectTick = timer.schedule(this::reconnectTick, delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      reconnectTick = null; // the client is closing
    }
  }

  private void reconnectTick() {
    synchronized (this) {
      if (state != ConnectionState.RECONNECTING) {
        return;
      }
      scheduleReconnectLocked();
    }
    channel.resetConnectBackoff();
  }

  private void deliver() {
    if (listener == null) {
      synchronized (this) {
        undelivered.clear();
      }
      return;
    }
    synchronized (this) {
      if (delivering || undelivered.isEmpty()) {
        return;
      }
      delivering = true;
    }
    try {
      callbackExecutor.execute(this::drainListener);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        delivering = false;
        undelivered.clear(); // the executor is gone: nobody is left to tell
      }
    }
  }

  private void drainListener() {
    while (true) {
      ConnectionState next;
      synchronized (this) {
        next = undelivered.poll();
        if (next == null) {
          delivering = false;
          return;
        }
      }
      try {
        listener.onStateChange(next);
      } catch (RuntimeException e) {
        logger.warn("ConnectionListener threw on {}", next, e);
      }
    }
  }

  private static ConnectionState map(ConnectivityState state) {
    return switch (state) {
      case IDLE -> ConnectionState.IDLE;
      case CONNECTING -> ConnectionState.CONNECTING;
      case READY -> ConnectionState.READY;
      case TRANSIENT_FAILURE -> ConnectionState.RECONNECTING;
      case SHUTDOWN -> ConnectionState.CLOSED;
    };
  }
}
