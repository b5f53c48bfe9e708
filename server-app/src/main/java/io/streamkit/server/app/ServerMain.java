package io.streamkit.server.app;

import io.streamkit.server.ServerSettings;
import io.streamkit.server.StreamKitServer;
import io.streamkit.server.internal.plugins.PluginLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The server's command line: {@code java -jar streamkit-server.jar --port 9090}. Every option can also be
 * given as an environment variable {@code STREAMKIT_<NAME>} (the long option name in upper case with dashes
 * as underscores, e.g. {@code STREAMKIT_PORT}) and as a key of the config file named by {@code --config} (the
 * long name without dashes, e.g. {@code port = 9090}). Precedence: flag, then environment, then config file,
 * then the default. An invalid value stops start-up with exit code 2 and one line naming the option, the value
 * and where it came from (the flag, the environment variable, or the config file and its key), then one line of
 * help; never the whole usage, which only {@code --help} prints.
 */
@Command(
    name = "streamkit-server",
    mixinStandardHelpOptions = true,
    versionProvider = ServerMain.Version.class,
    defaultValueProvider = EnvironmentDefaults.class,
    sortOptions = false,
    usageHelpWidth = 120,
    description = "Runs the StreamKit gRPC streaming server.",
    footer = {
        "%nEvery option can also be set as an environment variable STREAMKIT_<NAME>, e.g. STREAMKIT_PORT=9090,",
        "or as a key of the --config file without the dashes, e.g. 'port = 9090'.",
        "Precedence: flag, then environment variable, then config file, then default."})
public final class ServerMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServerMain.class);

  @Option(names = "--config", paramLabel = "FILE",
      description = "Properties file of options: one 'long-name = value' per line, e.g. 'port = 9090' (default: none).")
  Path config;

  @Option(names = "--port", defaultValue = "9090", description = "TCP port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--plugins", description = "Folder of handler plug-in jars, searched with ServiceLoader (default: none).")
  Path plugins;

  @Option(
      names = "--max-inbound-message-size",
      defaultValue = "4MiB",
      converter = ByteSizeConverter.class,
      description = "Largest inbound message; larger ones fail with RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
  long maxInboundMessageSize;

  @Option(
      names = "--max-queued-bytes-per-stream",
      defaultValue = "4MiB",
      converter = ByteSizeConverter.class,
      description = "Bound of each stream's outbound buffer; a stream whose client does not read ends with RESOURCE_EXHAUSTED past it (default: ${DEFAULT-VALUE}).")
  long maxQueuedBytesPerStream;

  @Option(names = "--blocking-threads", defaultValue = "64", description = "Threads for @Blocking handlers (default: ${DEFAULT-VALUE}).")
  int blockingThreads;

  @Option(
      names = "--shutdown-grace",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "On SIGTERM, how long open streams may go on before they end with UNAVAILABLE (default: ${DEFAULT-VALUE}).")
  Duration shutdownGrace;

  @CommandLine.Mixin
  ConnectionOptions connection = new ConnectionOptions();

  @CommandLine.Mixin MetricsOptions metrics = new MetricsOptions();

  @CommandLine.Mixin TracingOptions tracing = new TracingOptions();

  @CommandLine.Mixin SecurityOptions security = new SecurityOptions();

  @CommandLine.Mixin BrokerOptions brokerOptions = new BrokerOptions();

  @CommandLine.Mixin HttpOptions http = new HttpOptions();

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code: 0 after a clean shutdown, 1 when start-up failed, 2 for bad options. */
  static int run(String... args) {
    return run(System.getenv(), args);
  }

  static int run(Map<String, String> env, String... args) {
    CommandLine cli = new CommandLine(new ServerMain());
    EnvironmentDefaults defaults;
    try {
      String configPath = configPath(env, args);
      defaults = configPath == null ? new EnvironmentDefaults(env)
          : new EnvironmentDefaults(env, configFile(cli, Path.of(configPath)), Path.of(configPath));
    } catch (IllegalArgumentException e) {
      return badInput(cli, e.getMessage());
    }
    cli.setDefaultValueProvider(defaults);
    cli.setParameterExceptionHandler((e, given) -> {
      if (e.getArgSpec() instanceof CommandLine.Model.OptionSpec option && e.getValue() != null) {
        // A value picocli could not convert ('abc' for an int): name where it came from.
        String problem = e.getCause() instanceof CommandLine.TypeConversionException conversion
            ? conversion.getMessage() : e.getMessage();
        return badInput(cli, invalidValue(option.longestName(), e.getValue(), problem, defaults, given));
      }
      CommandLine.UnmatchedArgumentException.printSuggestions(e, cli.getErr());
      return badInput(cli, e.getMessage());
    });
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof InvalidOption invalid) {
        return badInput(cli, invalidValue(invalid.option, invalid.value, invalid.problem, defaults, args));
      }
      if (e instanceof IllegalArgumentException) {
        return badInput(cli, e.getMessage()); // the one-line message says all, a stack trace would hide it
      }
      cmd.getErr().println("streamkit-server: " + e.getMessage());
      log.error("start-up failed", e);
      return 1;
    });
    return cli.execute(args);
  }

  /** Prints one line naming the problem and one line of help, not the whole usage; returns exit code 2. */
  private static int badInput(CommandLine cli, String message) {
    cli.getErr().println("streamkit-server: " + message);
    cli.getErr().println("Run 'streamkit-server --help' for every option, its environment variable and default.");
    return 2;
  }

  /** "invalid value for option '--port' from environment variable STREAMKIT_PORT: 'abc': ..." and the like. */
  private static String invalidValue(String option, Object value, String problem, EnvironmentDefaults defaults,
      String[] args) {
    String source = givenAsFlag(option, args) ? null : defaults.sourceOf(option);
    String where = source == null ? " (" + EnvironmentDefaults.variableFor(option) + ")" : " from " + source;
    return "invalid value for option '" + option + "'" + where + ": '" + value + "': " + problem;
  }

  private static boolean givenAsFlag(String option, String[] args) {
    for (String arg : args) {
      if (arg.equals(option) || arg.startsWith(option + "=")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Integer call() throws Exception {
    ServerSettings settings = settings();
    StreamKitServer.Builder builder = StreamKitServer.builder().settings(settings);
    metrics.applyTo(builder);
    ClassLoader loader = ServerMain.class.getClassLoader();
    if (plugins != null) {
      loader = PluginLoader.forDirectory(plugins, loader);
    }
    security.applyTo(builder, loader);
    Runnable closeBroker = brokerOptions.apply(builder);
    Runnable closeTracing = tracing.applyTo(builder);
    StreamKitServer server = builder.discoverHandlers(loader).build();
    // SIGTERM and SIGINT start the graceful drain; main then returns and the process exits 0 (a plain shutdown
    // hook would run the same drain but leave the JVM's exit code at 143). The hook stays for other exits.
    // Installed before start(): a supervisor that sends SIGTERM as soon as the "listening" line appears must
    // get the drain, not the JVM's default exit.
    Runnable drain = () -> new Thread(server::close, "streamkit-drain").start();
    SignalHandlers.onTerminate(drain);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "streamkit-shutdown"));
    server.start();
    server.awaitTermination();
    server.close(); // idempotent: waits for the drain started by the signal to finish
    closeBroker.run();
    closeTracing.run(); // after the server: flushes the spans of the streams the drain ended
    return 0;
  }

  /** The config file named by {@code --config} or {@code STREAMKIT_CONFIG}, or null. */
  private static String configPath(Map<String, String> env, String... args) {
    String path = env.get("STREAMKIT_CONFIG");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        path = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        path = args[i].substring("--config=".length());
      }
    }
    return path;
  }

  /** The config file's values, read before parsing so that they can serve as defaults of the flags. */
  private static Map<String, String> configFile(CommandLine cli, Path path) {
    Set<String> keys = new HashSet<>();
    for (CommandLine.Model.OptionSpec option : cli.getCommandSpec().options()) {
      keys.add(EnvironmentDefaults.keyFor(option.longestName()));
    }
    keys.removeAll(Set.of("help", "version", "config"));
    return ConfigFile.load(path, keys);
  }

  ServerSettings settings() {
    ServerSettings.Builder b = ServerSettings.builder();
    b.connection(connection.settings());
    b.http(http.settings());
    option("--host", host, () -> b.host(host));
    option("--port", port, () -> b.port(port));
    option("--max-inbound-message-size", maxInboundMessageSize, () -> {
      if (maxInboundMessageSize > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("expected at most 2 GiB - 1 bytes");
      }
      b.maxInboundMessageSize((int) maxInboundMessageSize);
    });
    option("--max-queued-bytes-per-stream", maxQueuedBytesPerStream, () -> b.maxQueuedBytesPerStream(maxQueuedBytesPerStream));
    option("--blocking-threads", blockingThreads, () -> b.blockingThreads(blockingThreads));
    option("--shutdown-grace", shutdownGrace, () -> b.shutdownGracePeriod(shutdownGrace));
    return b.build();
  }

  /**
   * Applies one option, turning the builder's complaint into one that names the option as the user wrote it.
   * Option groups kept in their own {@code @Mixin} classes of this package use it too.
   */
  static void option(String name, Object value, Runnable apply) {
    try {
      apply.run();
    } catch (IllegalArgumentException e) {
      throw new InvalidOption(name, value, e);
    }
  }

  /**
   * A value the server's settings rejected, with the option it was given for; {@link #run} adds where the value
   * came from (flag, environment variable, or config file and key).
   */
  static final class InvalidOption extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    final String option;
    final transient Object value;
    final String problem;

    InvalidOption(String option, Object value, IllegalArgumentException cause) {
      super("invalid value for option '" + option + "' (" + EnvironmentDefaults.variableFor(option) + "): '" + value
          + "': " + cause.getMessage(), cause);
      this.option = option;
      this.value = value;
      this.problem = cause.getMessage();
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = ServerMain.class.getPackage().getImplementationVersion();
      return new String[] {"streamkit-server " + (v == null ? "(development build)" : v)};
    }
  }
}
