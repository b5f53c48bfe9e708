package io.streamkit.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load tool's connections: {@code n} plaintext channels to one target (the subscribers' {@code --target}, or the
 * publishers' {@code --publish-target}), each its own TCP connection, callbacks
 * on the transport threads ({@code directExecutor}: the load tool never blocks in a callback). Closed by the scenario
 * that opened them.
 */
final class Clients implements AutoCloseable {
  private final List<ManagedChannel> channels = new ArrayList<>();

  Clients(LoadOptions o, int n) {
    this(o.target, n, true);
  }

  /** {@code n} connections to where the publishers publish. */
  static Clients publishers(LoadOptions o, int n) {
    return new Clients(o.publishTargetOrTarget(), n, true);
  }

  /**
   * {@code n} connections to the {@code --target} for many long-lived calls that must each cost the load tool
   * little: without grpc-java's retry machinery, whose per-call state (RetriableStream, its buffer tracer and
   * state) was about 300 B of the load tool's 2.3 KB per idle subscription. A stream that fails to start is then
   * reported as failed instead of being retried.
   */
  static Clients withoutRetries(LoadOptions o, int n) {
    return new Clients(o.target, n, false);
  }

  private Clients(String target, int n, boolean retries) {
    String host = target.substring(0, target.lastIndexOf(':'));
    int port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
    for (int i = 0; i < n; i++) {
      NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port)
          .usePlaintext()
          .directExecutor()
          .maxInboundMessageSize(16 * 1024 * 1024);
      if (!retries) {
        b.disableRetry();
      }
      channels.add(b.build());
    }
  }

  ManagedChannel get(int i) {
    return channels.get(i % channels.size());
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    try {
      for (ManagedChannel c : channels) {
        c.awaitTermination(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the channels are shut down; only the wait for their threads is cut short
    }
  }
}
