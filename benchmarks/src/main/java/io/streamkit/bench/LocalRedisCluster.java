package io.streamkit.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Redis Cluster of {@code compare}'s cluster cases: six {@link LocalRedis} nodes in cluster mode (AOF
 * everysec, as the single-Redis cases), made three masters with one replica each by {@code redis-cli --cluster
 * create ... --cluster-replicas 1}. Started and stopped by {@code compare}; thread-compatible.
 */
final class LocalRedisCluster implements AutoCloseable {
  private final List<LocalRedis> nodes = new ArrayList<>();

  private LocalRedisCluster() {}

  /** Starts the nodes in sub-folders of {@code dir}, creates the cluster and waits for cluster_state:ok. */
  static LocalRedisCluster start(Path dir) throws IOException, InterruptedException {
    LocalRedisCluster c = new LocalRedisCluster();
    try {
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      for (int i = 0; i < 6; i++) {
        LocalRedis node = LocalRedis.start(dir.resolve("node-" + i), List.of("--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"));
        c.nodes.add(node);
        create.add("127.0.0.1:" + node.port());
      }
      create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
      run(create);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!run(List.of("redis-cli", "-p", Integer.toString(c.nodes.get(0).port()), "cluster", "info"))
          .contains("cluster_state:ok")) {
        if (System.nanoTime() > deadline) {
          throw new IOException("the Redis Cluster in " + dir + " did not reach cluster_state:ok within 30 s");
        }
        Thread.sleep(200);
      }
      return c;
    } catch (IOException | InterruptedException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** The value of {@code --redis-uri} for {@code --broker redis-cluster}: two of the nodes as seeds. */
  String seeds() {
    return "redis://127.0.0.1:" + nodes.get(0).port() + ",redis://127.0.0.1:" + nodes.get(1).port();
  }

  private static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("redis-cli not found: the cluster cases need it (Debian: apt-get install -y "
          + "redis-tools)", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    for (LocalRedis n : nodes) {
      n.close();
    }
  }
}
