package io.streamkit.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load tool's connections: {@code n} plaintext channels to one target, each its own TCP connection, callbacks
 * on the transport threads ({@code directExecutor}: the load tool never blocks in a callback). Closed by the scenario
 * that opened them.
 */
final class Clients implements AutoCloseable {
  private final List<ManagedChannel> channels = new ArrayList<>();

  Clients(LoadOptions o, int n) {
    for (int i = 0; i < n; i++) {
      channels.add(NettyChannelBuilder.forAddress(o.host(), o.port())
          .usePlaintext()
          .directExecutor()
          .maxInboundMessageSize(16 * 1024 * 1024)
          .build());
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
