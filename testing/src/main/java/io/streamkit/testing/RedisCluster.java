package io.streamkit.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Cluster for tests: six {@code redis-server} processes in cluster mode on free ports of 127.0.0.1
 * (three masters, three replicas), created with {@code redis-cli --cluster create ... --cluster-replicas 1}, no
 * persistence, a node timeout of one second (a killed master's replica takes over in about two). A node can be
 * killed with SIGKILL and started again; a slot can be moved to another master while clients use it. Close it
 * (idempotent) to stop every process and delete the folders.
 *
 * <p>Thread-compatible: one test drives it. When {@code redis-server} or {@code redis-cli} is missing the test is
 * skipped, except under CI ({@code CI=true}), where it fails.
 */
public final class RedisCluster implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final String server;
  private final String cli;
  private final Path dir;
  private final Map<Integer, Process> nodes = new LinkedHashMap<>();

  private RedisCluster(String server, String cli, Path dir) {
    this.server = server;
    this.cli = cli;
    this.dir = dir;
  }

  /** Starts six nodes, creates the cluster and waits until every node reports {@code cluster_state:ok}. */
  public static RedisCluster start() throws Exception {
    String server = RedisProcess.binary();
    String cli = RequiredTool.find("redis-cli", "apt-get install -y redis-tools", "/usr/bin/redis-cli",
        "/usr/local/bin/redis-cli").toString();
    RedisCluster c = new RedisCluster(server, cli, Files.createTempDirectory("streamkit-redis-cluster-"));
    try {
      List<String> create = new ArrayList<>(List.of(cli, "--cluster", "create"));
      for (int i = 0; i < 6; i++) {
        int port = RedisProcess.freePort();
        c.startNode(port);
        create.add("127.0.0.1:" + port);
      }
      create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
      c.run(create);
      c.awaitHealthy();
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  /** Every node's port, in start order. */
  public List<Integer> ports() {
    return List.copyOf(nodes.keySet());
  }

  /** Seed URIs of every node ({@code redis://127.0.0.1:PORT}). */
  public List<String> uris() {
    return nodes.keySet().stream().map(p -> "redis://127.0.0.1:" + p).toList();
  }

  /** Ports of the masters that serve slots now, as one live node sees them. */
  public List<Integer> masters() throws Exception {
    List<Integer> out = new ArrayList<>();
    for (String[] n : clusterNodes()) {
      if (n[2].contains("master") && !n[2].contains("fail") && n.length > 8) {
        out.add(port(n[1]));
      }
    }
    return out;
  }

  /** The hash slot of {@code key} ({@code CLUSTER KEYSLOT}). */
  public int slotOf(String key) throws Exception {
    return Integer.parseInt(command(anyLivePort(), "CLUSTER", "KEYSLOT", key).trim());
  }

  /** The port of the master serving {@code slot} now. */
  public int masterOf(int slot) throws Exception {
    for (String[] n : clusterNodes()) {
      if (!n[2].contains("master") || n[2].contains("fail")) {
        continue;
      }
      for (int i = 8; i < n.length; i++) {
        String range = n[i];
        if (range.startsWith("[")) {
          continue; // a slot being migrated
        }
        String[] bounds = range.split("-");
        int from = Integer.parseInt(bounds[0]);
        int to = bounds.length > 1 ? Integer.parseInt(bounds[1]) : from;
        if (slot >= from && slot <= to) {
          return port(n[1]);
        }
      }
    }
    throw new IllegalStateException("no master serves slot " + slot);
  }

  /** A topic name (of {@code prefix} plus a number) whose hash slot is served by the master on {@code port}. */
  public String topicOn(int port, String prefix) throws Exception {
    for (int i = 0; i < 100_000; i++) {
      String topic = prefix + i;
      if (masterOf(slotOf(topic)) == port) {
        return topic;
      }
    }
    throw new IllegalStateException("no topic " + prefix + "N on the master at port " + port);
  }

  /** SIGKILL of the node on {@code port}: it saves nothing and says nothing to its replica. */
  public void kill(int port) throws InterruptedException {
    Process p = nodes.get(port);
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
      p.waitFor();
    }
  }

  /**
   * Cuts the replication links of the master on {@code port} ({@code CLIENT KILL TYPE replica}): its replicas
   * reconnect within about a second, and what the master stores meanwhile is on the master only.
   */
  public void cutReplicas(int port) throws Exception {
    command(port, "CLIENT", "KILL", "TYPE", "replica");
  }

  /** The port of a replica of the master on {@code masterPort}. */
  public int replicaOf(int masterPort) throws Exception {
    String id = command(masterPort, "CLUSTER", "MYID").trim();
    for (String[] n : clusterNodes()) {
      if (n[2].contains("slave") && n[3].equals(id)) {
        return port(n[1]);
      }
    }
    throw new IllegalStateException("the master on port " + masterPort + " has no replica");
  }

  /** SIGSTOP of the node on {@code port}: it reads nothing until {@link #thaw}; keep it shorter than a second. */
  public void freeze(int port) throws Exception {
    signal(port, "-STOP");
  }

  /** SIGCONT of a node {@link #freeze frozen} before. */
  public void thaw(int port) throws Exception {
    signal(port, "-CONT");
  }

  private void signal(int port, String signal) throws Exception {
    run(List.of("kill", signal, Long.toString(nodes.get(port).pid())));
  }

  /** Kills every node (the cluster is unreachable until {@link #startAgain}). */
  public void killAll() throws InterruptedException {
    for (int port : nodes.keySet()) {
      kill(port);
    }
  }

  /** Starts the node on {@code port} again with its cluster configuration (its data is gone: no persistence). */
  public void startAgain(int port) throws Exception {
    startNode(port);
  }

  /** Starts every killed node again and waits until the cluster is healthy. */
  public void startAllAgain() throws Exception {
    for (Map.Entry<Integer, Process> n : nodes.entrySet()) {
      if (!n.getValue().isAlive()) {
        startNode(n.getKey());
      }
    }
    awaitHealthy();
  }

  /**
   * Waits until a node other than the killed {@code port} serves {@code slot} and the live nodes report
   * {@code cluster_state:ok}; returns the new master's port.
   */
  public int awaitFailover(int port, int slot) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        int master = masterOf(slot);
        if (master != port && command(master, "CLUSTER", "INFO").contains("cluster_state:ok")) {
          return master;
        }
      } catch (IOException | IllegalStateException notYet) {
        // no master of the slot yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no replica took over slot " + slot + " from port " + port + " within " + WAIT);
  }

  /**
   * Moves {@code slot} to the master on {@code toPort} the way {@code redis-cli --cluster reshard} does: SETSLOT
   * IMPORTING and MIGRATING, MIGRATE of its keys in batches, SETSLOT NODE on every master. Clients see ASK and
   * TRYAGAIN meanwhile, then MOVED.
   */
  public void moveSlot(int slot, int toPort) throws Exception {
    int fromPort = masterOf(slot);
    if (fromPort == toPort) {
      throw new IllegalArgumentException("slot " + slot + " is already on port " + toPort);
    }
    String fromId = command(fromPort, "CLUSTER", "MYID").trim();
    String toId = command(toPort, "CLUSTER", "MYID").trim();
    expectOk(command(toPort, "CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", fromId));
    expectOk(command(fromPort, "CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", toId));
    for (; ; ) {
      String keys = command(fromPort, "CLUSTER", "GETKEYSINSLOT", Integer.toString(slot), "100").trim();
      if (keys.isEmpty()) {
        break;
      }
      List<String> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(toPort), "", "0",
          "5000", "KEYS"));
      migrate.addAll(List.of(keys.split("\n")));
      expectOk(command(fromPort, migrate.toArray(String[]::new)));
    }
    for (int master : masters()) {
      command(master, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", toId);
    }
  }

  /** Runs one command with redis-cli against {@code port} and returns its output (raw, one value a line). */
  public String command(int port, String... words) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(cli, "-h", "127.0.0.1", "-p", Integer.toString(port)));
    cmd.addAll(List.of(words));
    return run(cmd);
  }

  private String run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + WAIT);
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0 || text.startsWith("Could not connect")) {
      throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + text);
    }
    return text;
  }

  private static void expectOk(String reply) {
    if (!reply.trim().equals("OK") && !reply.trim().equals("NOKEY")) {
      throw new IllegalStateException("expected OK, got: " + reply);
    }
  }

  private List<String[]> clusterNodes() throws Exception {
    List<String[]> out = new ArrayList<>();
    for (String line : command(anyLivePort(), "CLUSTER", "NODES").split("\n")) {
      if (!line.isBlank()) {
        out.add(line.trim().split(" "));
      }
    }
    return out;
  }

  private int anyLivePort() {
    for (Map.Entry<Integer, Process> n : nodes.entrySet()) {
      if (n.getValue().isAlive()) {
        return n.getKey();
      }
    }
    throw new IllegalStateException("every node of the cluster is down");
  }

  private static int port(String address) {
    String hostPort = address.split("@")[0];
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  private void startNode(int port) throws Exception {
    Path nodeDir = dir.resolve(Integer.toString(port));
    Files.createDirectories(nodeDir);
    Process p = new ProcessBuilder(server, "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
        "--save", "", "--appendonly", "no", "--dir", nodeDir.toString(), "--daemonize", "no",
        "--protected-mode", "no", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",
        "--logfile", nodeDir.resolve("redis.log").toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    ProcessHandle handle = p.toHandle();
    Runtime.getRuntime().addShutdownHook(new Thread(handle::destroyForcibly)); // never outlive the test JVM
    nodes.put(port, p);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("redis-server on port " + port + " exited with " + p.exitValue() + ": "
            + Files.readString(nodeDir.resolve("redis.log")));
      }
      try {
        if (command(port, "PING").contains("PONG")) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("redis-server on port " + port + " did not answer PING within " + WAIT);
  }

  /** Waits until every live node says cluster_state:ok and every master has its replica in sync. */
  public void awaitHealthy() throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean ok = true;
      for (Map.Entry<Integer, Process> n : nodes.entrySet()) {
        if (!n.getValue().isAlive()) {
          continue;
        }
        String info = command(n.getKey(), "CLUSTER", "INFO");
        String replication = command(n.getKey(), "INFO", "replication");
        boolean synced = replication.contains("role:master")
            ? replication.contains("connected_slaves:1") && replication.contains("state=online")
            : replication.contains("master_link_status:up");
        if (!info.contains("cluster_state:ok") || !synced) {
          ok = false;
          last = "port " + n.getKey() + ": " + info.lines().findFirst().orElse("") + " / " + replication;
          break;
        }
      }
      if (ok) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the cluster did not become healthy within " + WAIT + ": " + last);
  }

  @Override
  public void close() throws Exception {
    killAll();
    if (Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
