package io.streamkit.it;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.streamkit.client.StreamKitClient;
import io.streamkit.testing.ServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Server processes started with the same options and one {@link StreamKitClient} per server, for the tests that
 * run several instances on one broker; closed (clients, then servers) after them. Thread-compatible.
 */
final class ServerFleet implements AutoCloseable {
  final List<ServerProcess> servers = new ArrayList<>();
  final List<StreamKitClient> clients = new ArrayList<>();

  /** Starts {@code count} servers with {@code args} and a client for each. */
  static ServerFleet start(int count, String... args) throws Exception {
    ServerFleet fleet = new ServerFleet();
    for (int i = 0; i < count; i++) {
      ServerProcess s = ServerProcess.start(args);
      fleet.servers.add(s);
      fleet.clients.add(StreamKitClient.builder().target("127.0.0.1:" + s.port()).build());
    }
    return fleet;
  }

  /** The gRPC health service's answer for the whole server (service ""). */
  static ServingStatus health(ServerProcess s) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", s.port()).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(Duration.ofSeconds(5))
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } finally {
      ch.shutdownNow();
    }
  }

  @Override
  public void close() throws Exception {
    for (StreamKitClient c : clients) {
      c.close();
    }
    for (ServerProcess s : servers) {
      s.close();
    }
  }
}
