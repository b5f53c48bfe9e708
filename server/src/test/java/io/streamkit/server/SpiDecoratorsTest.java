package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A wrapper forwards everything (STYLE rule 21): every class of the server that implements an SPI interface and
 * holds a field of that same interface (its delegate) overrides every method of it, default methods included, so
 * a method added to the SPI later cannot be silently dropped by a decorator. The SPIs are found by reflection too:
 * every public interface of the server's public packages.
 */
@Timeout(60)
class SpiDecoratorsTest {

  @Test
  void everyDecoratorOfAnSpiInTheServerOverridesEveryMethodOfThatSpi() throws Exception {
    List<Class<?>> classes = mainClasses();
    List<Class<?>> spis = classes.stream().filter(SpiDecoratorsTest::isSpi).toList();
    Map<String, List<String>> decorators = new TreeMap<>();
    Map<String, List<String>> missing = new TreeMap<>();
    for (Class<?> c : classes) {
      for (Class<?> spi : spis) {
        if (decorates(c, spi)) {
          decorators.computeIfAbsent(c.getName(), k -> new ArrayList<>()).add(spi.getSimpleName());
          List<String> notOverridden = notOverridden(c, spi);
          if (!notOverridden.isEmpty()) {
            missing.put(c.getName() + " (decorates " + spi.getName() + ")", notOverridden);
          }
        }
      }
    }

    assertThat(spis).as("the SPIs found").contains(Broker.class, EventSink.class, BrokerSubscription.class,
        io.streamkit.server.handler.MessageHandler.class, io.streamkit.server.security.Authenticator.class);
    assertThat(decorators).as("the decorators found (the check must see them to check them)")
        .containsKeys("io.streamkit.server.internal.metrics.MeteredBroker",
            "io.streamkit.server.internal.metrics.MeteredBroker$MeteredSubscription");
    assertThat(missing).as("SPI methods a decorator does not override: it would silently drop them").isEmpty();
  }

  /** A Broker wrapper that forgot the default methods, as MeteredBroker once did. */
  static final class ForgetfulBroker implements Broker {
    private final Broker delegate;

    ForgetfulBroker(Broker delegate) {
      this.delegate = delegate;
    }

    @Override
    public CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers) {
      return delegate.publish(topic, payload, headers);
    }

    @Override
    public BrokerSubscription subscribe(String topic, Position position, EventSink sink) {
      return delegate.subscribe(topic, position, sink);
    }
  }

  @Test
  void theCheckNamesTheDefaultMethodsAWrapperForgot() {
    assertThat(decorates(ForgetfulBroker.class, Broker.class)).isTrue();
    assertThat(notOverridden(ForgetfulBroker.class, Broker.class)).containsExactly("close()",
        "watchAvailability(AvailabilityListener)");
  }

  /** A public interface of a public (non-internal) package of the server. */
  private static boolean isSpi(Class<?> c) {
    return c.isInterface() && !c.isAnnotation() && Modifier.isPublic(c.getModifiers())
        && !c.getPackageName().contains(".internal");
  }

  /** Implements {@code spi} and holds a delegate of that very type. */
  static boolean decorates(Class<?> c, Class<?> spi) {
    if (c.isInterface() || !spi.isAssignableFrom(c)) {
      return false;
    }
    for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
      for (Field f : k.getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers()) && !f.isSynthetic() && f.getType() == spi) {
          return true;
        }
      }
    }
    return false;
  }

  /** The methods of {@code spi} (defaults included) that {@code c} inherits from an interface instead of overriding. */
  static List<String> notOverridden(Class<?> c, Class<?> spi) {
    TreeSet<String> out = new TreeSet<>();
    for (Method m : spi.getMethods()) {
      if (Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      try {
        Method resolved = c.getMethod(m.getName(), m.getParameterTypes());
        if (resolved.getDeclaringClass().isInterface()) {
          out.add(signature(m));
        }
      } catch (NoSuchMethodException e) {
        out.add(signature(m)); // not even visible: certainly not overridden
      }
    }
    return new ArrayList<>(out);
  }

  private static String signature(Method m) {
    StringBuilder s = new StringBuilder(m.getName()).append('(');
    Class<?>[] params = m.getParameterTypes();
    for (int i = 0; i < params.length; i++) {
      s.append(i == 0 ? "" : ", ").append(params[i].getSimpleName());
    }
    return s.append(')').toString();
  }

  /** Every class of the server's main code (target/classes), loaded without initializing it. */
  static List<Class<?>> mainClasses() throws IOException, URISyntaxException, ClassNotFoundException {
    Path root = Path.of(StreamKitServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertThat(root).as("the server's classes, as a folder (run from the server module's build)").isDirectory();
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = root.relativize(p).toString();
        if (!name.endsWith(".class") || name.endsWith("package-info.class") || name.endsWith("module-info.class")) {
          continue;
        }
        String className = name.substring(0, name.length() - ".class".length()).replace(p.getFileSystem()
            .getSeparator(), ".");
        out.add(Class.forName(className, false, SpiDecoratorsTest.class.getClassLoader()));
      }
    }
    return out;
  }
}
