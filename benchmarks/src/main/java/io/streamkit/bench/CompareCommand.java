package io.streamkit.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code compare}: for each case, starts the StreamKit server jar and the plain grpc-java baseline server as two
 * processes, runs the load tool (a third process per run) against them interleaved (StreamKit, baseline, StreamKit,
 * baseline, ...), and prints the medians and their ratio beside the target. The Redis cases compare StreamKit with
 * {@code --broker redis} (a local redis-server, AOF everysec; two instances when the case publishes on one and
 * subscribes on the other) against StreamKit in memory; the cluster case the same with {@code --broker redis-cluster}
 * on a local six-node Redis Cluster. Also measures loopback TCP bandwidth with iperf3 when it is
 * installed. On a terminal a progress bar ({@link Progress}) shows the case, run i of n, the elapsed time and the
 * estimated time left.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, usageHelpWidth = 120,
    description = "Runs every scenario against StreamKit and the plain grpc-java baselines, interleaved, and prints ratios.")
final class CompareCommand implements Callable<Integer> {
  @Option(names = "--streamkit-jar", defaultValue = "server-app/target/streamkit-server.jar",
      description = "The StreamKit server's runnable jar (default: ${DEFAULT-VALUE}).")
  Path streamkitJar;

  @Option(names = "--runs", defaultValue = "3", description = "Runs per server and case; medians are reported (default: ${DEFAULT-VALUE}).")
  int runs;

  // 10 s, not 5: the first case on fresh servers (bidi-greeter) measured StreamKit at 0.53x to 1.01x after 5 s and
  // 0.73x to 1.34x (median 0.99x) after 10 s; StreamKit's server has more code for the JIT to compile first.
  @Option(names = "--warmup", defaultValue = "10s", converter = LoadOptions.DurationConverter.class,
      description = "Warm-up of each run (default: ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--duration", defaultValue = "5s", converter = LoadOptions.DurationConverter.class,
      description = "Measured time of each run (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--warmup-runs", defaultValue = "1",
      description = "Unmeasured runs per server before each case's measured ones, on the same servers: a server "
          + "started for the case still compiles its hot paths (C2) for tens of seconds on a busy machine, and a "
          + "first run would measure that (default: ${DEFAULT-VALUE}).")
  int warmupRuns;

  @Option(names = "--only", split = ",", description = "Run only these cases (default: all); names as in docs/BENCHMARKS.md, e.g. bidi-greeter,fanout-1k.")
  List<String> only;

  @Option(names = "--server-jvm-args", defaultValue = "-Xmx4g", split = " ",
      description = "JVM options of both servers (default: ${DEFAULT-VALUE}).")
  List<String> serverJvmArgs;

  @Option(names = "--out", defaultValue = "benchmarks/target/compare",
      description = "Folder for results.md, runs.jsonl and the servers' logs (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--no-progress",
      description = "No progress bar (it is drawn only when the output is a terminal anyway).")
  boolean noProgress;

  /** Result lines, above the progress bar when there is one. */
  private Progress progress;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(streamkitJar)) {
      System.err.println("compare: no StreamKit server jar at " + streamkitJar
          + " (build it: ./mvnw -B -q package -DskipTests, or pass --streamkit-jar)");
      return 2;
    }
    Files.createDirectories(out);
    StringBuilder md = new StringBuilder();
    md.append("Started ").append(Instant.now()).append(", ").append(runs).append(" runs per server after ").append(warmupRuns)
        .append(" unmeasured run(s) per case, warm-up ")
        .append(warmup.toMillis()).append(" ms, measured ").append(duration.toMillis()).append(" ms, ")
        .append(Runtime.getRuntime().availableProcessors()).append(" CPUs\n\n");
    md.append("| case | figure | StreamKit | against | ratio | per-run ratios | target | met |\n"
        + "|---|---|---|---|---|---|---|---|\n");
    List<Cases.Case> selected =
        Cases.ALL.stream().filter(c -> only == null || only.contains(c.name())).toList();
    // Two servers per run; a run takes its warm-up, its measured time and a few seconds to start the load process.
    progress = Progress.start(selected.size() * runs * 2, warmup.plus(duration).plusSeconds(3), System.out,
        Progress.wanted(noProgress, System.console() != null, System.getenv("TERM")));
    try {
      return compare(selected, md);
    } finally {
      progress.close();
    }
  }

  private int compare(List<Cases.Case> selected, StringBuilder md) throws Exception {
    String loopback = iperf3();
    progress.println("loopback TCP (iperf3): " + loopback);
    int missed = 0;
    for (Cases.Case c : selected) {
      progress.println("== " + c.name() + ": " + c.scenario() + " " + String.join(" ", c.args())
          + (c.setup() == Cases.Setup.BASELINE ? "" : " (StreamKit on Redis against StreamKit in memory)"));
      Map<String, List<Result>> results;
      try {
        results = runCase(c);
      } catch (IOException e) {
        progress.println("   skipped: " + e.getMessage());
        continue;
      }
      for (Cases.Figure f : c.figures()) {
        double sk = median(results.get("streamkit"), f.name());
        double base = median(results.get("baseline"), f.name());
        double ratio = ratio(sk, base);
        Boolean met = f.target() == null ? null : f.target().met(sk, ratio);
        if (Boolean.FALSE.equals(met)) {
          missed++;
        }
        String line = String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |", c.name(), f.name(),
            Result.format(sk), Result.format(base) + (c.setup() == Cases.Setup.BASELINE ? "" : " (memory)"), Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2fx", ratio),
            pairRatios(results, f.name()), f.target() == null ? "" : f.target().text(),
            met == null ? "" : met ? "yes" : "NO");
        progress.println(line);
        md.append(line).append('\n');
      }
    }
    if (shared != null) {
      shared.stop();
    }
    if (sharedRedis != null) {
      sharedRedis.stop();
    }
    if (redis != null) {
      redis.close();
    }
    if (sharedCluster != null) {
      sharedCluster.stop();
    }
    if (redisCluster != null) {
      redisCluster.close();
    }
    md.append("\nLoopback TCP bandwidth (iperf3 -c 127.0.0.1 -t 3): ").append(loopback).append('\n');
    Files.writeString(out.resolve("results.md"), md.toString());
    progress.println("\nLoopback TCP bandwidth (iperf3): " + loopback);
    progress.println("results: " + out.resolve("results.md") + ", every run: " + out.resolve("runs.jsonl"));
    progress.println(missed == 0 ? "every target met" : missed + " target(s) missed");
    return 0;
  }

  /** Where the load tool points for one side of a case: subscribers' target, publishers' target, measured PID. */
  private record Side(int port, int publishPort, long pid) {}

  /**
   * The server processes under test; shared by consecutive cases unless a case asks for fresh ones. Baseline
   * cases: the StreamKit jar and the grpc-java baseline. Redis cases: two StreamKit instances on the local Redis
   * (A takes the publishes, B the subscribers when the case goes across instances) and one StreamKit in memory.
   */
  private final class Servers {
    final List<Process> processes = new ArrayList<>();
    final Side left;
    final Side right;
    final Side leftOneInstance;

    Servers(String label) throws IOException, InterruptedException {
      int skPort = freePort();
      int basePort = freePort();
      List<String> base = new ArrayList<>(javaCommand(serverJvmArgs));
      base.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchMain.class.getName(),
          "baseline-server", "--host", "127.0.0.1", "--port", Integer.toString(basePort)));
      Process sk = streamkit(skPort, List.of(), label + "-streamkit");
      processes.add(sk);
      Process baseline = startServer(base, basePort, out.resolve(label + "-baseline.log"));
      processes.add(baseline);
      left = new Side(skPort, skPort, sk.pid());
      leftOneInstance = left;
      right = new Side(basePort, basePort, baseline.pid());
    }

    /** {@code broker}: the options that put both instances on Redis (one, or a cluster). */
    Servers(String label, List<String> broker) throws IOException, InterruptedException {
      List<String> onRedis = new ArrayList<>(broker);
      onRedis.addAll(List.of("--redis-key-prefix", "bench-" + System.nanoTime()));
      int a = freePort();
      int b = freePort();
      int memory = freePort();
      Process pa = streamkit(a, onRedis, label + "-redis-a");
      processes.add(pa);
      Process pb = streamkit(b, onRedis, label + "-redis-b");
      processes.add(pb);
      Process pm = streamkit(memory, List.of(), label + "-memory");
      processes.add(pm);
      left = new Side(b, a, pb.pid());
      leftOneInstance = new Side(a, a, pa.pid());
      right = new Side(memory, memory, pm.pid());
    }

    Side left(Cases.Case c) {
      return c.setup() == Cases.Setup.REDIS_ACROSS_INSTANCES ? left : leftOneInstance;
    }

    private Process streamkit(int port, List<String> args, String log) throws IOException, InterruptedException {
      List<String> cmd = new ArrayList<>(javaCommand(serverJvmArgs));
      cmd.addAll(List.of("-jar", streamkitJar.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port)));
      cmd.addAll(args);
      return startServer(cmd, port, out.resolve(log + ".log"));
    }

    void stop() throws InterruptedException {
      for (Process p : processes) {
        CompareCommand.stop(p);
      }
    }
  }

  private Servers shared;
  private Servers sharedRedis;
  private LocalRedis redis;
  private Servers sharedCluster;
  private LocalRedisCluster redisCluster;

  private Servers servers(Cases.Case c) throws IOException, InterruptedException {
    if (c.setup() == Cases.Setup.BASELINE) {
      if (c.freshServers()) {
        return new Servers(c.name());
      }
      if (shared == null) {
        shared = new Servers("shared");
      }
      return shared;
    }
    if (c.setup() == Cases.Setup.REDIS_CLUSTER_ONE_INSTANCE) {
      if (redisCluster == null) {
        redisCluster = LocalRedisCluster.start(out.resolve("redis-cluster"));
      }
      if (sharedCluster == null) {
        sharedCluster = new Servers("shared-cluster",
            List.of("--broker", "redis-cluster", "--redis-uri", redisCluster.seeds()));
      }
      return sharedCluster;
    }
    if (redis == null) {
      redis = LocalRedis.start(out.resolve("redis"));
    }
    List<String> onRedis = List.of("--broker", "redis", "--redis-uri", redis.uri());
    if (c.freshServers()) {
      return new Servers(c.name(), onRedis);
    }
    if (sharedRedis == null) {
      sharedRedis = new Servers("shared", onRedis);
    }
    return sharedRedis;
  }

  private Map<String, List<Result>> runCase(Cases.Case c) throws Exception {
    Map<String, List<Result>> results = new LinkedHashMap<>();
    results.put("streamkit", new ArrayList<>());
    results.put("baseline", new ArrayList<>());
    // Heap figures need servers that ran nothing before; speed figures want servers whose JIT is warm.
    Servers servers;
    try {
      servers = servers(c);
    } catch (IOException e) {
      progress.skip(runs * results.size()); // e.g. no redis-server: none of the case's runs will happen
      throw e;
    }
    try {
      // Not for heap cases: their servers must have run nothing before the measured run.
      for (int w = 1; w <= (c.freshServers() ? 0 : warmupRuns); w++) {
        for (String server : results.keySet()) {
          Result r = load(c, server.equals("streamkit") ? servers.left(c) : servers.right);
          progress.println(String.format(Locale.ROOT, "   warm-up %d %-9s (not counted)%s", w, server,
              c.figures().isEmpty() ? "" : " " + c.figures().get(0).name() + "="
                  + Result.format(r.figures.getOrDefault(c.figures().get(0).name(), Double.NaN))));
        }
      }
      for (int run = 1; run <= runs; run++) {
        if (c.freshServers() && run > 1) {
          // Every run of a heap case on servers that never held an earlier run's streams: a JVM keeps the pages
          // its heap and Netty's pools grew into, so a second run on the same server measured RSS per stream at
          // 316 B where the first measured 8,270 B (idle-10k, 2026-12-03).
          servers.stop();
          servers = servers(c);
        }
        for (String server : results.keySet()) {
          boolean isSk = server.equals("streamkit");
          progress.begin(c.name(), run, runs, server);
          Result r = load(c, isSk ? servers.left(c) : servers.right);
          progress.done();
          results.get(server).add(r);
          Files.writeString(out.resolve("runs.jsonl"), "{\"case\": \"" + c.name() + "\", \"server\": \"" + server
              + "\", \"run\": " + run + ", \"result\": " + r.toJson() + "}\n", StandardCharsets.UTF_8,
              java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
          StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "   run %d %-9s", run, server));
          for (Cases.Figure f : c.figures()) {
            b.append(' ').append(f.name()).append('=').append(Result.format(r.figures.getOrDefault(f.name(), Double.NaN)));
          }
          progress.println(b.toString());
        }
      }
    } finally {
      if (servers != shared && servers != sharedRedis && servers != sharedCluster) {
        servers.stop();
      }
    }
    return results;
  }

  private Result load(Cases.Case c, Side side) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(javaCommand(List.of("-Xmx4g")));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchMain.class.getName(), "load", c.scenario(),
        "--target", "127.0.0.1:" + side.port(), "--publish-target", "127.0.0.1:" + side.publishPort(),
        "--server-pid", Long.toString(side.pid()), "--json",
        "--warmup", warmup.toMillis() + "ms", "--duration", duration.toMillis() + "ms"));
    cmd.addAll(c.args());
    Process p = new ProcessBuilder(cmd).start();
    // The load process's warnings, line by line above the progress bar rather than through it.
    Thread errors = new Thread(() -> {
      try (java.io.BufferedReader r = p.errorReader(StandardCharsets.UTF_8)) {
        r.lines().forEach(progress::println);
      } catch (IOException e) {
        progress.println("   (the load process's error output could not be read: " + e.getMessage() + ")");
      }
    }, "load-stderr");
    errors.start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = p.waitFor();
    errors.join(10_000);
    String json = Arrays.stream(stdout.split("\n")).filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
    if (exit != 0 || json == null) {
      progress.println("load " + c.name() + " failed (exit " + exit + "): " + stdout);
      return new Result(c.scenario());
    }
    return Result.fromJson(json);
  }

  /** StreamKit / baseline of each interleaved pair of runs, in run order: how much the machine's noise moved it. */
  static String pairRatios(Map<String, List<Result>> results, String figure) {
    List<String> out = new ArrayList<>();
    List<Result> sk = results.get("streamkit");
    List<Result> base = results.get("baseline");
    for (int i = 0; i < Math.min(sk.size(), base.size()); i++) {
      Double a = sk.get(i).figures.get(figure);
      Double b = base.get(i).figures.get(figure);
      out.add(a == null || b == null || b == 0 ? "-" : String.format(Locale.ROOT, "%.2f", a / b));
    }
    return String.join(" ", out);
  }

  /** StreamKit's figure over the one it is compared with; NaN when that one is 0 (nothing to compare with). */
  static double ratio(double streamkit, double against) {
    return against == 0 ? Double.NaN : streamkit / against;
  }

  /** The median of the runs that have {@code figure} (the mean of the middle two for an even count); NaN if none. */
  static double median(List<Result> results, String figure) {
    double[] v = results.stream().map(r -> r.figures.get(figure)).filter(x -> x != null).mapToDouble(Double::doubleValue)
        .sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static List<String> javaCommand(List<String> jvmArgs) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(jvmArgs);
    return cmd;
  }

  private static Process startServer(List<String> cmd, int port, Path log) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("server exited with " + p.exitValue() + "; see " + log);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return p;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("server did not listen on " + port + " within 60 s; see " + log);
  }

  private static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(15, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Loopback TCP bandwidth in MB/s from iperf3, or why it is not known. */
  private static String iperf3() {
    int port = freePort();
    Process server = null;
    try {
      server = new ProcessBuilder("iperf3", "-s", "-1", "-p", Integer.toString(port)).redirectErrorStream(true).start();
      Thread.sleep(500);
      Process client = new ProcessBuilder("iperf3", "-c", "127.0.0.1", "-p", Integer.toString(port), "-t", "3", "-f", "m")
          .redirectErrorStream(true).start();
      String text = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      client.waitFor();
      Matcher m = Pattern.compile("([0-9.]+) Mbits/sec.*receiver").matcher(text);
      if (!m.find()) {
        return "unknown (iperf3 said: " + text.strip().replace('\n', ' ') + ")";
      }
      return String.format(Locale.ROOT, "%.0f MB/s", Double.parseDouble(m.group(1)) / 8);
    } catch (IOException e) {
      return "unknown (iperf3 not installed: apt-get install -y iperf3)";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown (interrupted)";
    } finally {
      if (server != null) {
        server.destroy();
      }
    }
  }
}
