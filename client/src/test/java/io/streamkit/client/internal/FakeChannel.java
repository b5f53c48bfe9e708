package io.streamkit.client.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A recording fake of a channel for unit tests: each {@link #newCall} returns a {@link FakeCall} the test drives
 * (headers, messages, close) and inspects (what was sent and requested); the connectivity state is what the test
 * sets, and state listeners run on the calling thread of {@link #setState}. Counts backoff resets and connection
 * requests. Thread-safe enough for a test that drives it from one thread.
 */
final class FakeChannel extends ManagedChannel {
  final List<FakeCall<?, ?>> calls = new CopyOnWriteArrayList<>();
  private final Map<Runnable, ConnectivityState> watchers = new ConcurrentHashMap<>();
  private volatile ConnectivityState state = ConnectivityState.IDLE;
  volatile int backoffResets;
  volatile int connectionRequests;
  private volatile boolean shutdown;

  /** Moves to {@code next} and runs the state callbacks registered for another state. */
  void setState(ConnectivityState next) {
    state = next;
    List<Runnable> due = new ArrayList<>();
    for (Iterator<Map.Entry<Runnable, ConnectivityState>> it = watchers.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Runnable, ConnectivityState> w = it.next();
      if (w.getValue() != next) {
        due.add(w.getKey());
        it.remove();
      }
    }
    due.forEach(Runnable::run);
  }

  /** The last call made. */
  @SuppressWarnings("unchecked")
  <ReqT, RespT> FakeCall<ReqT, RespT> lastCall() {
    return (FakeCall<ReqT, RespT>) calls.get(calls.size() - 1);
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    FakeCall<ReqT, RespT> call = new FakeCall<>(method, options);
    calls.add(call);
    return call;
  }

  @Override
  public String authority() {
    return "fake";
  }

  @Override
  public ConnectivityState getState(boolean requestConnection) {
    if (requestConnection) {
      connectionRequests++;
    }
    return state;
  }

  @Override
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    if (source != state) {
      callback.run();
    } else {
      watchers.put(callback, source);
    }
  }

  @Override
  public void resetConnectBackoff() {
    backoffResets++;
  }

  @Override
  public ManagedChannel shutdown() {
    shutdown = true;
    return this;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public ManagedChannel shutdownNow() {
    return shutdown();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return true;
  }

  /** One call: records what the client did with it; the test plays the server through {@link #listener()}. */
  static final class FakeCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
    final MethodDescriptor<ReqT, RespT> method;
    final CallOptions options;
    final List<ReqT> sent = new CopyOnWriteArrayList<>();
    private volatile Listener<RespT> listener;
    volatile int requested;
    volatile boolean halfClosed;
    volatile String cancelledWith;

    FakeCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
      this.method = method;
      this.options = options;
    }

    Listener<RespT> listener() {
      return listener;
    }

    @Override
    public void start(Listener<RespT> listener, Metadata headers) {
      this.listener = listener;
    }

    @Override
    public void request(int numMessages) {
      requested += numMessages;
    }

    @Override
    public void cancel(String message, Throwable cause) {
      cancelledWith = String.valueOf(message);
    }

    @Override
    public void halfClose() {
      halfClosed = true;
    }

    @Override
    public void sendMessage(ReqT message) {
      sent.add(message);
    }

    @Override
    public boolean isReady() {
      return true;
    }
  }
}
