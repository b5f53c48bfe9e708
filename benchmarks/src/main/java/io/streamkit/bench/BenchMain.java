package io.streamkit.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar benchmarks/target/streamkit-bench.jar <command>}: {@code compare} (every scenario against StreamKit
 * and the baselines, interleaved, with ratios), {@code load} (one scenario against any address) and
 * {@code baseline-server} (the plain grpc-java server). See docs/BENCHMARKS.md.
 */
@Command(
    name = "streamkit-bench",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 120,
    description = "StreamKit benchmarks: a streaming load tool and plain grpc-java baselines.",
    subcommands = {BenchMain.Load.class, BenchMain.Baseline.class, CompareCommand.class})
public final class BenchMain implements Runnable {
  static final String SCENARIOS = "bidi-throughput, ping-pong, fanout, server-stream, ingest, large, slow-consumer, idle";

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchMain()).execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** Runs one scenario and prints its table, or its JSON with {@code --json}. */
  static Result runScenario(String scenario, LoadOptions o) throws Exception {
    switch (scenario) {
      case "bidi-throughput":
      case "ping-pong":
      case "large":
        return BidiScenario.run(scenario, o);
      case "fanout":
        return PushScenarios.fanout(o);
      case "server-stream":
        return PushScenarios.serverStream(o);
      case "ingest":
        return PushScenarios.ingest(o);
      case "slow-consumer":
        return PushScenarios.slowConsumer(o);
      case "idle":
        return PushScenarios.idle(o);
      default:
        throw new IllegalArgumentException("scenario: '" + scenario + "' (expected one of: " + SCENARIOS + ")");
    }
  }

  @Command(name = "load", mixinStandardHelpOptions = true, usageHelpWidth = 120,
      description = "Runs one scenario against --target. Scenarios: " + SCENARIOS + ". ping-pong is bidi with "
          + "--streams 1 --window 1; large is bidi with a large --payload.")
  static final class Load implements Callable<Integer> {
    @Parameters(index = "0", description = "The scenario.")
    String scenario;

    @Mixin
    LoadOptions options;

    @Option(names = "--json", description = "Print one line of JSON instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      Result r = runScenario(scenario, options);
      System.out.println(json ? r.toJson() : r.toTable());
      return 0;
    }
  }

  @Command(name = "baseline-server", mixinStandardHelpOptions = true,
      description = "Serves Greeter and StreamService with plain grpc-java (no StreamKit code) until killed.")
  static final class Baseline implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9091", description = "TCP port; 0 picks one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Override
    public Integer call() throws Exception {
      try (BaselineServer server = BaselineServer.start(host, port)) {
        System.out.println("baseline server listening on " + host + ":" + server.port());
        server.awaitTermination();
      }
      return 0;
    }
  }
}
