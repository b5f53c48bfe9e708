package io.streamkit.server.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The connection loops keep reading their sockets while their task queue never empties. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionLoopsTest {

  @Test
  void aCallOnALoopBusyWithAnEndlessChainOfTasksIsAnsweredWithinAFewQuanta() throws Exception {
    ConnectionLoops loops = new ConnectionLoops(1, new DefaultThreadFactory("test-loop", true),
        NioIoHandler.newFactory());
    MultiThreadIoEventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .bossEventLoopGroup(boss).workerEventLoopGroup(loops).channelType(NioServerSocketChannel.class)
        .addService(new HealthStatusManager().getHealthService())
        .build().start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    AtomicBoolean busy = new AtomicBoolean(true);
    try {
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
      health.check(HealthCheckRequest.getDefaultInstance()); // connected, and the code paths loaded
      // What a stream written at full speed does to its loop: every task queues the next, so the queue never empties.
      EventLoop loop = loops.next();
      loop.execute(new Runnable() {
        @Override
        public void run() {
          if (busy.get()) {
            loop.execute(this);
          }
        }
      });

      long slowestMillis = 0;
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        health.withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
        slowestMillis = Math.max(slowestMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      }
      // Netty 4.2's default loop reads its sockets again only after 1 s of tasks: each call would take about 1 s.
      assertThat(slowestMillis).as("slowest of 5 calls while the loop ran an endless chain of tasks (ms)")
          .isLessThan(400);
    } finally {
      busy.set(false);
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
  }
}
