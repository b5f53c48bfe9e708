package io.streamkit.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.Http2Frame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/2 client that sends whatever frames a test writes (Netty's frame codec, no gRPC), for offences a gRPC
 * client never commits. It records the server's first SETTINGS frame, its GOAWAY and the close. Closed by
 * {@link #close()}, which also ends its event loop.
 */
final class FrameClient implements AutoCloseable {
  final Channel channel;
  /** The server's SETTINGS frame: the server accepted the connection and started HTTP/2 on it. */
  final CompletableFuture<Void> serverSettings = new CompletableFuture<>();
  /** A retained copy of the server's GOAWAY; the test releases it. */
  final CompletableFuture<Http2GoAwayFrame> goAway = new CompletableFuture<>();
  final CompletableFuture<Void> closed = new CompletableFuture<>();
  /** The payloads of the PING acknowledgements received. */
  final Set<Long> pingAcks = ConcurrentHashMap.newKeySet();
  private final EventLoopGroup group;

  private FrameClient(String localAddress, int port) throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                new SimpleChannelInboundHandler<Http2Frame>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, Http2Frame frame) {
                    if (frame instanceof Http2PingFrame p && p.ack()) {
                      pingAcks.add(p.content());
                    } else if (frame instanceof Http2SettingsFrame) {
                      serverSettings.complete(null);
                    } else if (frame instanceof Http2GoAwayFrame g) {
                      goAway.complete(g.retainedDuplicate());
                    }
                  }
                });
            ch.closeFuture().addListener(f -> closed.complete(null));
          }
        })
        .connect(new InetSocketAddress("127.0.0.1", port), new InetSocketAddress(localAddress, 0))
        .sync().channel();
  }

  /** Connects from 127.0.0.1. */
  static FrameClient connect(int port) throws InterruptedException {
    return new FrameClient("127.0.0.1", port);
  }

  /** Connects from another loopback address (Linux routes all of 127/8 to loopback), as another host would. */
  static FrameClient connectFrom(String localAddress, int port) throws InterruptedException {
    return new FrameClient(localAddress, port);
  }

  @Override
  public void close() throws InterruptedException {
    channel.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }
}
