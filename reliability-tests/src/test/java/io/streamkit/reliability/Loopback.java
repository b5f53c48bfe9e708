package io.streamkit.reliability;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.streamkit.server.StreamKitServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A started {@link StreamKitServer} on 127.0.0.1 with an ephemeral port, and plain grpc-java Netty channels to
 * it; {@link #close()} closes the channels, then the server.
 */
final class Loopback implements AutoCloseable {
  final StreamKitServer server;
  /** The channel most tests use; {@link #newChannel()} makes more (own connections). */
  final ManagedChannel channel;
  private final List<ManagedChannel> channels = new ArrayList<>();

  private Loopback(StreamKitServer server) {
    this.server = server;
    this.channel = newChannel();
  }

  static Loopback start(Consumer<StreamKitServer.Builder> configure) {
    StreamKitServer.Builder builder = StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0));
    configure.accept(builder);
    return new Loopback(builder.build().start());
  }

  static Loopback start() {
    return start(b -> {});
  }

  /** A new channel, on its own connection; closed with this server. */
  synchronized ManagedChannel newChannel() {
    ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        // Test observers never block: take callbacks on the event loop.
        .directExecutor()
        .build();
    channels.add(c);
    return c;
  }

  String target() {
    return "127.0.0.1:" + server.port();
  }

  @Override
  public void close() throws InterruptedException {
    List<ManagedChannel> all;
    synchronized (this) {
      all = List.copyOf(channels);
    }
    for (ManagedChannel c : all) {
      c.shutdownNow();
    }
    for (ManagedChannel c : all) {
      c.awaitTermination(5, TimeUnit.SECONDS);
    }
    server.close();
  }
}
