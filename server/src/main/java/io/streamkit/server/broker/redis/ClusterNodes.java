package io.streamkit.server.broker.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis Cluster: which master holds each hash slot, read with Lettuce's {@link RedisClusterClient} (its topology
 * loading only; commands go straight to the nodes, see {@link RedisNodes}). The view is read again, coalesced to
 * at most one load in flight and one every {@value #MIN_REFRESH_MILLIS} ms, when a command is redirected (MOVED,
 * ASK, TRYAGAIN, CLUSTERDOWN) or a node fails, and every {@value #PERIOD_MILLIS} ms by the broker's timer, so
 * resharding and failover are followed without a restart. Lettuce's own adaptive refresh triggers only see
 * commands sent through its cluster connection, which the broker does not use.
 *
 * <p>Thread-safe: the view is an immutable snapshot behind a volatile field.
 */
final class ClusterNodes extends RedisNodes {
  private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
  static final long MIN_REFRESH_MILLIS = 100;
  static final long PERIOD_MILLIS = 2000;

  private final RedisClusterClient cluster;
  private final RedisURI template;
  private final String seeds;
  private final AtomicBoolean loading = new AtomicBoolean();
  private final ConcurrentHashMap<Integer, String> bellTags = new ConcurrentHashMap<>();
  private volatile View view;
  private volatile long lastLoadNanos;

  /**
   * As of one topology load: the master of each slot ({@code host:port}, null where none) and the replica the
   * reader reads of each master (absent: none known, read the master).
   */
  private record View(String[] ownerBySlot, Map<String, String> readReplica, Map<String, String> masterOf) {}

  private final boolean readReplicas;

  ClusterNodes(List<RedisURI> seedUris, Duration commandTimeout, boolean readReplicas, Path trustedCa) {
    super(RedisClient.create(), commandTimeout, trustedCa);
    this.readReplicas = readReplicas;
    this.template = seedUris.get(0);
    this.cluster = RedisClusterClient.create(client.getResources(), seedUris);
    cluster.setOptions(ClusterClientOptions.builder()
        .validateClusterNodeMembership(false)
        .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
        .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).build())
        .build());
    List<String> names = new ArrayList<>();
    for (RedisURI u : seedUris) {
      names.add(u.getHost() + ":" + u.getPort());
    }
    this.seeds = String.join(",", names);
    try {
      load();
    } catch (RuntimeException e) {
      log.warn("{} is unreachable for now: {}; the broker keeps trying", where(), e.getMessage());
    }
  }

  @Override
  String where() {
    return "Redis Cluster at " + seeds;
  }

  @Override
  boolean multiSlot() {
    return false;
  }

  @Override
  String nodeOf(byte[] key) {
    String owner = view().ownerBySlot[SlotHash.getSlot(key)];
    if (owner == null) {
      refresh();
      throw new IllegalStateException("no master of " + where() + " serves hash slot " + SlotHash.getSlot(key)
          + " (the cluster is not fully covered)");
    }
    return owner;
  }

  @Override
  String readNodeOf(byte[] key) {
    String master = nodeOf(key);
    return readReplicas ? view().readReplica.getOrDefault(master, master) : master;
  }

  @Override
  String masterOf(String node) {
    return view().masterOf.getOrDefault(node, node);
  }

  @Override
  RedisURI uriOf(String node) {
    int colon = node.lastIndexOf(':');
    return RedisURI.builder(template).withHost(node.substring(0, colon))
        .withPort(Integer.parseInt(node.substring(colon + 1))).build();
  }

  /**
   * The key of {@code node}'s bell: a stream in the lowest slot that node serves, which publishers ring after
   * each batch so that readers blocked on it (one blocking XREAD per node) wake up. In Redis Cluster one XREAD
   * cannot name streams of different slots, so the reader cannot block on the topics' streams themselves.
   */
  byte[] bellKey(String prefix, String node) {
    View v = view();
    int lowest = -1;
    for (int s = 0; s < v.ownerBySlot.length && lowest < 0; s++) {
      if (node.equals(v.ownerBySlot[s])) {
        lowest = s;
      }
    }
    int slot = Math.max(0, lowest);
    String tag = bellTags.computeIfAbsent(slot, ClusterNodes::tagOfSlot);
    return (prefix + ":bell:{" + tag + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String tagOfSlot(int slot) {
    for (int i = 0; ; i++) {
      String tag = Integer.toString(i, 36);
      if (SlotHash.getSlot(tag) == slot) {
        return tag;
      }
    }
  }

  @Override
  void topologyMayHaveChanged(Throwable error) {
    if (redirected(error) || !(rootCause(error) instanceof io.lettuce.core.RedisCommandExecutionException)) {
      refresh();
    }
  }

  /** Loads the topology again in the background, unless a load is in flight or one finished just now. */
  void refresh() {
    if (System.nanoTime() - lastLoadNanos < TimeUnit.MILLISECONDS.toNanos(MIN_REFRESH_MILLIS)
        || !loading.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(() -> {
      try {
        load();
      } catch (RuntimeException e) {
        log.debug("reading the topology of {} failed; the next command or timer tick tries again", where(), e);
      } finally {
        lastLoadNanos = System.nanoTime();
        loading.set(false);
      }
    }, "streamkit-redis-topology");
    t.setDaemon(true);
    t.start();
  }

  /** The current view; never blocks (publishes call it on Lettuce's event loop): none yet means a load starts. */
  private View view() {
    View v = view;
    if (v == null) {
      refresh();
      throw new IllegalStateException(where() + " is unreachable: its topology could not be read yet");
    }
    return v;
  }

  private synchronized View load() {
    Partitions partitions;
    if (view == null) {
      partitions = cluster.getPartitions(); // the first load, from the seeds
    } else {
      cluster.refreshPartitions();
      partitions = cluster.getPartitions();
    }
    String[] owner = new String[SlotHash.SLOT_COUNT];
    Map<String, String> byId = new HashMap<>();
    for (RedisClusterNode n : partitions) {
      byId.put(n.getNodeId(), n.getUri().getHost() + ":" + n.getUri().getPort());
    }
    Map<String, String> readReplica = new TreeMap<>();
    Map<String, String> masterOf = new HashMap<>();
    for (RedisClusterNode n : partitions) {
      String key = byId.get(n.getNodeId());
      if (n.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
        for (int s : n.getSlots()) {
          owner[s] = key;
        }
      } else if (n.is(RedisClusterNode.NodeFlag.REPLICA) && n.getSlaveOf() != null
          && byId.containsKey(n.getSlaveOf()) && !n.is(RedisClusterNode.NodeFlag.FAIL)
          && !n.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL)) {
        String master = byId.get(n.getSlaveOf());
        masterOf.put(key, master);
        readReplica.merge(master, key, (a, b) -> a.compareTo(b) <= 0 ? a : b); // the same one on every instance
      }
    }
    View v = new View(owner, Map.copyOf(readReplica), Map.copyOf(masterOf));
    view = v;
    return v;
  }

  private static Throwable rootCause(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null && c.getCause() != c
        && (c instanceof java.util.concurrent.CompletionException
        || c instanceof java.util.concurrent.ExecutionException)) {
      c = c.getCause();
    }
    return c;
  }

  @Override
  public void close() {
    cluster.shutdown(0, 2, TimeUnit.SECONDS); // before the client, whose resources it borrows
    super.close();
  }
}
