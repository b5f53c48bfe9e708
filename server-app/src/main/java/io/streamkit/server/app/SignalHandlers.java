package io.streamkit.server.app;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs handlers for SIGTERM and SIGINT through {@code sun.misc.Signal} (module jdk.unsupported, present in
 * every OpenJDK build). Where it is missing, nothing is installed and the JVM's shutdown hook does the drain.
 */
final class SignalHandlers {
  private static final Logger log = LoggerFactory.getLogger(SignalHandlers.class);

  private SignalHandlers() {}

  static void onTerminate(Runnable action) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
          log.info("SIG{} received: draining", name);
          action.run();
        });
      } catch (IllegalArgumentException | LinkageError e) {
        log.debug("cannot handle SIG{} here ({}); the shutdown hook drains instead", name, e.toString());
      }
    }
  }
}
