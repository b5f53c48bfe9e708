package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Frame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeepaliveTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void aClientPingingMoreOftenThanPermittedGetsGoawayTooManyPingsAndOthersAreStillServed() throws Exception {
    // Default --permit-keepalive-time is 5 s; this client pings every 10 ms. grpc-java tolerates two such
    // strikes and answers the third with GOAWAY ENHANCE_YOUR_CALM "too_many_pings", then closes the connection.
    try (LoopbackServer s = LoopbackServer.start()) {
      EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
      CompletableFuture<Http2GoAwayFrame> goAway = new CompletableFuture<>();
      CompletableFuture<Void> closed = new CompletableFuture<>();
      try {
        Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
            .handler(new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                    new SimpleChannelInboundHandler<Http2Frame>() {
                      @Override
                      protected void channelRead0(ChannelHandlerContext ctx, Http2Frame frame) {
                        if (frame instanceof Http2GoAwayFrame g) {
                          goAway.complete(g.retainedDuplicate());
                        }
                      }
                    });
                ch.closeFuture().addListener(f -> closed.complete(null));
              }
            })
            .connect("127.0.0.1", s.server.port()).sync().channel();
        for (int i = 0; i < 10 && !goAway.isDone(); i++) {
          channel.writeAndFlush(new DefaultHttp2PingFrame(i));
          Thread.sleep(10);
        }

        Http2GoAwayFrame frame = goAway.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        try {
          assertThat(frame.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
          assertThat(frame.content().toString(StandardCharsets.US_ASCII)).isEqualTo("too_many_pings");
        } finally {
          frame.release();
        }
        closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      } finally {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
      }
      ConnectionLimitsTest.assertCanaryServed(s);
    }
  }

  // An idle healthy stream that outlives server pings, next to a vanished peer that is freed by them:
  // VanishedPeerTest (grpc-java pings no sooner than 10 s, so it shares one wait).
}
