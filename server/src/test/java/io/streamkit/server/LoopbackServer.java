package io.streamkit.server;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A started {@link StreamKitServer} on 127.0.0.1 with an ephemeral port and a plain grpc-java Netty channel to
 * it, both closed by {@link #close()}. Tests talk to the server as any standard gRPC client would.
 */
public final class LoopbackServer implements AutoCloseable {
  public final StreamKitServer server;
  public final ManagedChannel channel;

  private LoopbackServer(StreamKitServer server) {
    this.server = server;
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        // Test observers never block: take callbacks on the event loop, like a tuned client would.
        .directExecutor()
        .build();
  }

  public static LoopbackServer start(Consumer<StreamKitServer.Builder> configure) {
    StreamKitServer.Builder builder = StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0));
    configure.accept(builder);
    return new LoopbackServer(builder.build().start());
  }

  public static LoopbackServer start() {
    return start(b -> {});
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }
}
