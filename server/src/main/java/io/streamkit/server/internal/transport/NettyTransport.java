package io.streamkit.server.internal.transport;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.NettyServerBuilder;
import io.streamkit.server.ConnectionSettings;
import io.streamkit.server.ServerSettings;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** Turns {@link ServerSettings} into a configured {@link NettyServerBuilder}: limits, keepalive, compression. */
public final class NettyTransport {
  private static final Metadata.Key<String> GRPC_ENCODING =
      Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);

  private NettyTransport() {}

  /** {@code connections} provides the event loops and watches each connection. */
  public static NettyServerBuilder builder(ServerSettings settings, ConnectionGuard connections) {
    ConnectionSettings c = settings.connection();
    NettyServerBuilder b = connections.configure(
        NettyServerBuilder.forAddress(new InetSocketAddress(settings.host(), settings.port())))
        // No thread hop per message: transport callbacks run on the event loop and our own code never
        // blocks there (blocking handlers are moved to the blocking executor by the stream's handler sequencer).
        .directExecutor()
        .maxInboundMessageSize(settings.maxInboundMessageSize())
        .maxInboundMetadataSize(c.maxInboundMetadataSize())
        .maxConcurrentCallsPerConnection(c.maxConcurrentStreams())
        .keepAliveTime(c.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTimeout(c.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
        .permitKeepAliveTime(c.permitKeepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
        .permitKeepAliveWithoutCalls(c.permitKeepAliveWithoutCalls())
        .handshakeTimeout(c.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
    if (!c.maxConnectionIdle().isZero()) {
      b.maxConnectionIdle(c.maxConnectionIdle().toNanos(), TimeUnit.NANOSECONDS);
    }
    if (!c.maxConnectionAge().isZero()) {
      b.maxConnectionAge(c.maxConnectionAge().toNanos(), TimeUnit.NANOSECONDS)
          .maxConnectionAgeGrace(c.maxConnectionAgeGrace().toNanos(), TimeUnit.NANOSECONDS);
    }
    if (c.maxRstFramesPerWindow() > 0) {
      b.maxRstFramesPerWindow(c.maxRstFramesPerWindow(), (int) c.rstWindow().toSeconds());
    }
    b.intercept(compression(c.compression()));
    return b;
  }

  /**
   * Chooses each call's response compression: the encoding the client compressed its requests with when it
   * did (a client asking for gzip per call gets gzip back), else the server-wide default. grpc-java only
   * compresses when the client advertised the encoding in grpc-accept-encoding, so no client gets an
   * encoding it cannot read.
   */
  private static ServerInterceptor compression(String serverDefault) {
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        String requested = headers.get(GRPC_ENCODING);
        String encoding = "gzip".equals(requested) ? "gzip" : serverDefault;
        if (!"identity".equals(encoding)) {
          call.setCompression(encoding);
        }
        return next.startCall(call, headers);
      }
    };
  }
}
