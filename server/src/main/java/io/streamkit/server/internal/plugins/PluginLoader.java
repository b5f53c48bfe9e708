package io.streamkit.server.internal.plugins;

import io.streamkit.server.handler.MessageHandler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds plug-ins ({@link MessageHandler}s, and the security SPIs) the way {@link java.util.ServiceLoader} does on
 * the class path: every {@code META-INF/services/<SPI name>} file visible to a class loader lists implementation
 * classes, each instantiated once with its public no-argument constructor. Unlike ServiceLoader, every failure
 * names the jar whose services file listed the class, the class and what to do: a class that is missing, that
 * needs a class no jar has, that is not of the SPI's type, that has no public no-argument constructor, or whose
 * constructor threw. Stateless; thread-safe.
 */
public final class PluginLoader {
  private static final Logger log = LoggerFactory.getLogger(PluginLoader.class);

  private PluginLoader() {}

  /**
   * A class loader over every {@code *.jar} directly inside {@code dir}, child of {@code parent}. The loader
   * lives as long as the server: plug-in classes stay loaded. Fails with an IllegalArgumentException naming the
   * path when {@code dir} is not a directory, and naming the jar when one is not a readable jar (a class loader
   * would skip it without a word).
   */
  public static ClassLoader forDirectory(Path dir, ClassLoader parent) {
    if (Files.isRegularFile(dir)) {
      throw new IllegalArgumentException("plugins: " + dir + " is a file (expected: the directory of plug-in jars;"
          + " to load this jar, pass the directory that holds it)");
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("plugins: " + dir + " (expected: an existing directory of jars)");
    }
    List<URL> jars = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
        checkReadable(jar);
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

  private static void checkReadable(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      file.stream().count(); // reads the central directory: a truncated or non-zip file fails here
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException("plugins: " + jar + " is not a readable jar (" + e.getMessage()
          + "); expected: a jar file, e.g. one built by 'jar' or Maven; remove or rebuild it", e);
    }
  }

  /**
   * Instantiates every handler listed in {@code META-INF/services/io.streamkit.server.handler.MessageHandler}
   * visible to {@code loader}. A provider that cannot be loaded fails with an IllegalStateException naming the
   * jar that listed it and its class.
   */
  public static List<MessageHandler> discover(ClassLoader loader) {
    List<MessageHandler> found = new ArrayList<>();
    for (Found<MessageHandler> f : load(MessageHandler.class, loader)) {
      log.info("found handler {} for route '{}' in {}", f.className, f.instance.route(), f.origin);
      found.add(f.instance);
    }
    return found;
  }

  /**
   * Instantiates every provider of {@code type} listed in {@code META-INF/services/<type name>} visible to
   * {@code loader}, logging each. A provider that cannot be loaded fails with an IllegalStateException naming the
   * jar that listed it and its class.
   */
  public static <T> List<T> discover(Class<T> type, ClassLoader loader) {
    List<T> found = new ArrayList<>();
    for (Found<T> f : load(type, loader)) {
      log.info("found {} {} in {}", type.getSimpleName(), f.className, f.origin);
      found.add(f.instance);
    }
    return found;
  }

  /** Where a plug-in class was loaded from: its jar's location, or "(unknown)". */
  public static String origin(Class<?> type) {
    var domain = type.getProtectionDomain();
    var source = domain == null ? null : domain.getCodeSource();
    return source == null || source.getLocation() == null ? "(unknown)" : source.getLocation().toString();
  }

  private record Found<T>(T instance, String className, String origin) {}

  private static <T> List<Found<T>> load(Class<T> type, ClassLoader loader) {
    String file = "META-INF/services/" + type.getName();
    Set<String> seen = new LinkedHashSet<>();
    List<Found<T>> found = new ArrayList<>();
    Enumeration<URL> lists;
    try {
      lists = loader.getResources(file);
    } catch (IOException e) {
      throw new IllegalStateException("cannot list the " + type.getSimpleName() + " plug-ins (" + file + "): "
          + e.getMessage(), e);
    }
    while (lists.hasMoreElements()) {
      URL list = lists.nextElement();
      String jar = jarOf(list);
      for (String className : classNames(list, jar, type)) {
        if (seen.add(className)) { // as ServiceLoader: a class listed twice is instantiated once
          found.add(new Found<>(instantiate(type, loader, className, jar), className, jar));
        }
      }
    }
    return found;
  }

  private static List<String> classNames(URL list, String jar, Class<?> type) {
    List<String> names = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(list.openStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        int comment = line.indexOf('#');
        String name = (comment >= 0 ? line.substring(0, comment) : line).strip();
        if (!name.isEmpty()) {
          names.add(name);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("plug-in jar " + jar + ": cannot read META-INF/services/" + type.getName()
          + ": " + e.getMessage(), e);
    }
    return names;
  }

  private static <T> T instantiate(Class<T> type, ClassLoader loader, String className, String jar) {
    String what = type.getSimpleName() + " plug-in " + className + " (listed in " + jar + ")";
    Class<?> c;
    try {
      c = Class.forName(className, false, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("cannot load " + what + ": the class is in no jar of the plug-ins folder"
          + " nor on the class path (expected: the jar holds " + className.replace('.', '/') + ".class)", e);
    } catch (LinkageError e) {
      throw new IllegalStateException("cannot load " + what + ": it needs " + missing(e)
          + ", which no jar of the plug-ins folder holds (expected: its dependencies' jars in the folder too)", e);
    }
    if (!type.isAssignableFrom(c)) {
      throw new IllegalStateException("cannot load " + what + ": it does not implement " + type.getName()
          + " (expected: only implementations listed in META-INF/services/" + type.getName() + ")");
    }
    Constructor<?> constructor;
    try {
      constructor = c.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("cannot load " + what + ": it has no public no-argument constructor", e);
    } catch (LinkageError e) {
      throw new IllegalStateException("cannot load " + what + ": it needs " + missing(e)
          + ", which no jar of the plug-ins folder holds (expected: its dependencies' jars in the folder too)", e);
    }
    if (Modifier.isAbstract(c.getModifiers())) {
      throw new IllegalStateException("cannot load " + what + ": it is abstract (expected: a concrete class)");
    }
    try {
      return type.cast(constructor.newInstance());
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof LinkageError linkage) {
        throw new IllegalStateException("cannot load " + what + ": it needs " + missing(linkage)
            + ", which no jar of the plug-ins folder holds (expected: its dependencies' jars in the folder too)",
            cause);
      }
      throw new IllegalStateException("cannot load " + what + ": its constructor threw " + cause, cause);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot load " + what + ": " + e, e);
    } catch (LinkageError e) {
      throw new IllegalStateException("cannot load " + what + ": it needs " + missing(e)
          + ", which no jar of the plug-ins folder holds (expected: its dependencies' jars in the folder too)", e);
    }
  }

  /** "class x.Y" from a NoClassDefFoundError's "x/Y", else the error as written. */
  private static String missing(LinkageError e) {
    if (e instanceof NoClassDefFoundError && e.getMessage() != null && !e.getMessage().contains(" ")) {
      return "class " + e.getMessage().replace('/', '.');
    }
    return String.valueOf(e);
  }

  /** The jar (or folder) whose services file {@code list} is: {@code jar:file:/x.jar!/META-INF/...} gives x.jar. */
  private static String jarOf(URL list) {
    String url = list.toString();
    int bang = url.indexOf("!/");
    return url.startsWith("jar:") && bang > 0 ? url.substring("jar:".length(), bang) : url;
  }
}
