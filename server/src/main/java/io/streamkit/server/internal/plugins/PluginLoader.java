package io.streamkit.server.internal.plugins;

import io.streamkit.server.handler.MessageHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds plug-ins ({@link MessageHandler}s, and the security SPIs) with ServiceLoader, in the server's class path
 * and in a plug-ins folder.
 */
public final class PluginLoader {
  private static final Logger log = LoggerFactory.getLogger(PluginLoader.class);

  private PluginLoader() {}

  /**
   * A class loader over every {@code *.jar} directly inside {@code dir}, child of {@code parent}. The loader
   * lives as long as the server: plug-in classes stay loaded.
   */
  public static ClassLoader forDirectory(Path dir, ClassLoader parent) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("plugins: " + dir + " (expected: an existing directory of jars)");
    }
    List<URL> jars = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
        jars.add(jar.toUri().toURL());
      }
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("plugins: " + dir + " holds a jar with an unusable path", e);
    } catch (IOException e) {
      throw new UncheckedIOException("plugins: cannot list " + dir, e);
    }
    log.info("plug-ins folder {}: {} jar(s)", dir, jars.size());
    return new URLClassLoader("streamkit-plugins", jars.toArray(new URL[0]), parent);
  }

  /**
   * Instantiates every handler listed in {@code META-INF/services/io.streamkit.server.handler.MessageHandler}
   * visible to {@code loader}. A provider that cannot be loaded fails with an IllegalStateException naming it.
   */
  public static List<MessageHandler> discover(ClassLoader loader) {
    List<MessageHandler> found = new ArrayList<>();
    Iterator<MessageHandler> it = ServiceLoader.load(MessageHandler.class, loader).iterator();
    while (true) {
      MessageHandler handler;
      try {
        if (!it.hasNext()) {
          break;
        }
        handler = it.next();
      } catch (ServiceConfigurationError e) {
        throw new IllegalStateException("cannot load a MessageHandler plug-in: " + e.getMessage(), e);
      }
      log.info(
          "found handler {} for route '{}' in {}",
          handler.getClass().getName(), handler.route(), codeSource(handler.getClass()));
      found.add(handler);
    }
    return found;
  }

  /**
   * Instantiates every provider of {@code type} listed in {@code META-INF/services/<type name>} visible to
   * {@code loader}, logging each. A provider that cannot be loaded fails with an IllegalStateException naming it.
   */
  public static <T> List<T> discover(Class<T> type, ClassLoader loader) {
    List<T> found = new ArrayList<>();
    Iterator<T> it = ServiceLoader.load(type, loader).iterator();
    while (true) {
      T provider;
      try {
        if (!it.hasNext()) {
          break;
        }
        provider = it.next();
      } catch (ServiceConfigurationError e) {
        throw new IllegalStateException(
            "cannot load a " + type.getSimpleName() + " plug-in: " + e.getMessage(), e);
      }
      log.info("found {} {} in {}", type.getSimpleName(), provider.getClass().getName(),
          codeSource(provider.getClass()));
      found.add(provider);
    }
    return found;
  }

  private static String codeSource(Class<?> type) {
    var domain = type.getProtectionDomain();
    var source = domain == null ? null : domain.getCodeSource();
    return source == null || source.getLocation() == null ? "(unknown)" : source.getLocation().toString();
  }
}
