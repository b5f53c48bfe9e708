package io.streamkit.testing;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Several {@link ServerProcess}es started with the same options, so on one broker (one {@link RedisProcess}, one
 * {@link RedisCluster}), each with one {@link StreamKitClient} of its own: for tests of what instances share.
 *
 * <p>Ownership: the fleet owns its servers and clients, and the broker fixture passed to
 * {@link #start(AutoCloseable, int, String...)} if any. {@link #close()} closes the clients, then the servers (a
 * SIGKILL of those still running, whether the test killed or restarted some of them or not), then that broker;
 * it goes on past a failure and throws the first one. A start that fails closes what it started, and the broker
 * it was given, before it throws, so a {@code @BeforeAll} that fails half-way leaves no process behind.
 *
 * <p>Threading: one test thread starts and closes the fleet and kills or restarts its servers
 * (thread-compatible, as {@link ServerProcess}); {@link #startConcurrently} starts them on threads of its own,
 * ended when it returns. The lists are fixed at start; the clients are thread-safe, so
 * several threads may publish and subscribe through them, and {@link #publish} and {@link #health} may be called
 * from any thread.
 */
public final class ServerFleet implements AutoCloseable {
  /** How long a retried publish waits between its calls. */
  private static final Duration RETRY_PAUSE = Duration.ofMillis(100);

  private final List<ServerProcess> servers = new ArrayList<>();
  private final List<StreamKitClient> clients = new ArrayList<>();
  /** The broker fixture closed after the servers, or null. */
  private final AutoCloseable broker;

  private ServerFleet(AutoCloseable broker) {
    this.broker = broker;
  }

  /** Starts {@code count} servers, one after another, each with {@code args}, and a client for each. */
  public static ServerFleet start(int count, String... args) throws Exception {
    return start(null, count, args);
  }

  /**
   * {@link #start(int, String...)} on {@code broker}, the fixture the servers' {@code args} point to: the fleet
   * owns it from now on and closes it after the servers, also when this start fails.
   */
  public static ServerFleet start(AutoCloseable broker, int count, String... args) throws Exception {
    ServerFleet fleet = new ServerFleet(broker);
    try {
      checkCount(count);
      for (int i = 0; i < count; i++) {
        fleet.add(ServerProcess.start(args));
      }
      return fleet;
    } catch (Exception e) {
      closeAfterFailedStart(fleet, e);
      throw e;
    }
  }

  /**
   * Starts {@code count} servers all at once, each with {@code jvmArgs} (before {@code -jar}) and {@code args},
   * and a client for each; returns when every one listens. For JVMs that start quickly (C1 only, a small heap):
   * on a machine with few cores, several JVMs compiling at once each take longer to listen. If one fails to
   * start, the others are still waited for and all that started are closed before the first failure is thrown.
   */
  public static ServerFleet startConcurrently(int count, List<String> jvmArgs, String... args) throws Exception {
    checkCount(count);
    ServerFleet fleet = new ServerFleet(null);
    ExecutorService starter = Executors.newFixedThreadPool(count);
    try {
      List<Future<ServerProcess>> starting = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        starting.add(starter.submit(() -> ServerProcess.start(jvmArgs, args)));
      }
      Exception failure = null;
      for (Future<ServerProcess> f : starting) {
        try {
          fleet.add(f.get()); // each start gives up after 30 s, so this wait ends
        } catch (ExecutionException e) {
          failure = first(failure, e.getCause() instanceof Exception c ? c : e);
        }
      }
      if (failure != null) {
        throw failure;
      }
      return fleet;
    } catch (Exception e) {
      closeAfterFailedStart(fleet, e);
      throw e;
    } finally {
      starter.shutdown();
    }
  }

  private static void checkCount(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("a fleet needs at least one server, not " + count);
    }
  }

  private void add(ServerProcess server) {
    servers.add(server);
    clients.add(StreamKitClient.builder().target("127.0.0.1:" + server.port()).build());
  }

  /** {@code earlier}, with {@code later} suppressed in it, or {@code later} if there was none earlier. */
  private static Exception first(Exception earlier, Exception later) {
    if (earlier == null) {
      return later;
    }
    earlier.addSuppressed(later);
    return earlier;
  }

  private static void closeAfterFailedStart(ServerFleet fleet, Exception failure) {
    try {
      fleet.close();
    } catch (Exception closing) {
      failure.addSuppressed(closing);
    }
  }

  /** The servers, in the order of their indexes (the order they were asked for). */
  public List<ServerProcess> servers() {
    return List.copyOf(servers);
  }

  /** One client per server, each connected to the server of the same index. */
  public List<StreamKitClient> clients() {
    return List.copyOf(clients);
  }

  /** The gRPC health service's answer of server {@code index} for the whole server (service ""). */
  public ServingStatus health(int index) {
    return health(servers.get(index));
  }

  /** The gRPC health service's answer of {@code server} for the whole server (service ""), within 5 s. */
  public static ServingStatus health(ServerProcess server) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(Duration.ofSeconds(5))
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } finally {
      ch.shutdownNow();
    }
  }

  /**
   * Publishes {@code payloads} (UTF-8) to {@code topic} in one Publish call through {@code client} and returns
   * the count acknowledged. While the call fails UNAVAILABLE with none of its events stored ("the 0 event(s)
   * before it were published": the broker or the server was away) it is made again, every 100 ms, until
   * {@code retryFor} has passed; then, or on any other failure, the failure is thrown. {@link Duration#ZERO}: one
   * call, never retried.
   */
  public static long publish(StreamKitClient client, String topic, List<String> payloads, Duration retryFor)
      throws Exception {
    long deadline = System.nanoTime() + retryFor.toNanos();
    while (true) {
      try (EventPublisher publisher = client.publisher()) {
        for (String p : payloads) {
          publisher.publish(topic, ByteString.copyFromUtf8(p));
        }
        return publisher.complete().getCount();
      } catch (StreamKitException e) {
        boolean nothingStored = e.status().getCode() == Status.Code.UNAVAILABLE
            && String.valueOf(e.status().getDescription()).contains("the 0 event(s) before it were published");
        if (!nothingStored || System.nanoTime() - deadline >= 0) {
          throw e;
        }
        Thread.sleep(RETRY_PAUSE.toMillis());
      }
    }
  }

  /** The payloads {@code prefix + from}, ..., {@code prefix + to}, as fleet tests publish and compare them. */
  public static List<String> numbered(String prefix, int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    List<AutoCloseable> order = new ArrayList<>(clients);
    order.addAll(servers);
    if (broker != null) {
      order.add(broker);
    }
    Exception first = null;
    for (AutoCloseable c : order) {
      try {
        c.close();
      } catch (Exception e) {
        first = first(first, e);
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
