package io.streamkit.server.broker.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Where a topic's keys are and how to talk to that place: the one seam between the Redis broker and the shape of
 * the deployment. {@link Single} is one Redis (or a primary with replicas); {@link ClusterNodes} is Redis Cluster,
 * where each topic's keys live in the slot of its hash tag {@code {topic}} on one master.
 *
 * <p>Both give, per node: one command connection (publish scripts, WAIT, trims; shared, pipelined, never
 * blocked for long) and fresh connections for the reader (blocking reads never share a connection with commands).
 * Every connection is made by a standalone {@link RedisClient} straight to the node: the broker does not route
 * through Lettuce's cluster connection, so it always knows which node ran a script and can send WAIT to it.
 *
 * <p>Thread-safe.
 */
abstract class RedisNodes implements AutoCloseable {
  /** The client every connection is made with: no automatic reconnect, commands refused while disconnected. */
  final RedisClient client;
  final Duration commandTimeout;
  private final ConcurrentHashMap<String, CommandConnection> commands = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** @param trustedCa PEM CA certificates for {@code rediss://} nodes, or null for the JVM's trust store */
  RedisNodes(RedisClient client, Duration commandTimeout, Path trustedCa) {
    this.client = client;
    this.commandTimeout = commandTimeout;
    ClientOptions.Builder options = ClientOptions.builder();
    if (trustedCa != null) {
      options.sslOptions(SslOptions.builder().jdkSslProvider().trustManager(trustedCa.toFile()).build());
    }
    // No automatic reconnect, and commands are refused while disconnected: Lettuce would otherwise re-send a
    // publish that Redis may already have executed, storing the event twice. Connections are re-made by us.
    client.setOptions(options
        .autoReconnect(false)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).keepAlive(true).build())
        .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
        .build());
  }

  /** "Redis at HOST:PORT" or "Redis Cluster at HOST:PORT,...": how messages name the deployment. */
  abstract String where();

  /** Whether one command may name keys of different hash slots (not in a cluster). */
  abstract boolean multiSlot();

  /** The node that holds {@code key} now, as {@code host:port}; throws when none is known. */
  abstract String nodeOf(byte[] key);

  /**
   * Where the reader reads {@code key}: its master, or with {@code --redis-wait-replicas} in a cluster one of that
   * master's replicas, so that subscribers see only events a replica has (a failover keeps them).
   */
  String readNodeOf(byte[] key) {
    return nodeOf(key);
  }

  /** The master of {@code node} (itself when it is a master). */
  String masterOf(String node) {
    return node;
  }

  abstract RedisURI uriOf(String node);

  /**
   * Called after a command failed with {@code error}: a cluster re-reads its topology when the error says the
   * slot moved (MOVED, ASK, TRYAGAIN, CLUSTERDOWN) or a node could not be reached.
   */
  void topologyMayHaveChanged(Throwable error) {}

  /** The command connection of {@code node}, made on first use and again after it failed; never blocks. */
  final CompletableFuture<StatefulRedisConnection<byte[], byte[]>> commands(String node) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("the Redis broker is closed"));
    }
    return commands.computeIfAbsent(node, n -> new CommandConnection(client, uriOf(n))).get();
  }

  /** The command connection of the node holding {@code key}; fails (never throws) when none is known. */
  final CompletableFuture<NodeConnection> commandsFor(byte[] key) {
    String node;
    try {
      node = nodeOf(key);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return commands(node).thenApply(c -> new NodeConnection(node, c));
  }

  /** A command connection and the node it leads to. */
  record NodeConnection(String node, StatefulRedisConnection<byte[], byte[]> connection) {}

  /** After a failed command on {@code connection} of {@code node}; see {@link CommandConnection#failed}. */
  final void failed(String node, StatefulRedisConnection<byte[], byte[]> connection, Throwable error) {
    CommandConnection c = commands.get(node);
    if (c != null) {
      c.failed(connection, error);
    }
    topologyMayHaveChanged(error);
  }

  /** A new connection of its own to {@code node}, for the reader; blocks up to the connect timeout. */
  final StatefulRedisConnection<byte[], byte[]> connectReader(String node, Duration timeout) {
    StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE, uriOf(node));
    c.setTimeout(timeout);
    return c;
  }

  /** Whether Redis answered {@code error} because the key is (being) served elsewhere: nothing was run. */
  static boolean redirected(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (!(cause instanceof RedisCommandExecutionException)) {
      return false;
    }
    String m = String.valueOf(cause.getMessage());
    return m.startsWith("MOVED") || m.startsWith("ASK") || m.startsWith("TRYAGAIN") || m.startsWith("CLUSTERDOWN");
  }

  @Override
  public void close() {
    closed = true;
    for (CommandConnection c : commands.values()) {
      c.close();
    }
    client.shutdown(0, 2, TimeUnit.SECONDS);
  }

  /** One Redis: every topic on the same node. */
  static final class Single extends RedisNodes {
    private final RedisURI uri;
    private final String node;

    Single(RedisURI uri, Duration commandTimeout, Path trustedCa) {
      super(RedisClient.create(), commandTimeout, trustedCa);
      this.uri = uri;
      this.node = uri.getHost() + ":" + uri.getPort();
    }

    @Override
    String where() {
      return "Redis at " + node;
    }

    @Override
    boolean multiSlot() {
      return true;
    }

    @Override
    String nodeOf(byte[] key) {
      return node;
    }

    @Override
    RedisURI uriOf(String n) {
      return uri;
    }
  }
}
