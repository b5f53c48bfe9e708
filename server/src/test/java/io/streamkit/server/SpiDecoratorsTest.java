package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.server.internal.broker.ForwardingBroker;
import io.streamkit.server.internal.broker.ForwardingEventSink;
import io.grpc.Status;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A wrapper forwards everything (STYLE rule 21): every class of the server that implements an SPI interface and
 * holds a field of that same interface (its delegate, possibly in a superclass) overrides every method of it,
 * default methods included, so a method added to the SPI later cannot be silently dropped by a decorator. The SPIs
 * are found by reflection too: every public interface of the server's public packages. The forwarding bases the
 * broker decorators extend are held to more: each method, called on them, reaches the delegate's same method once,
 * with the same arguments, and its result comes back.
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
            "io.streamkit.server.internal.metrics.MeteredBroker$MeteredSubscription",
            ForwardingBroker.class.getName(), ForwardingEventSink.class.getName());
    assertThat(decorators.entrySet().stream()
        .filter(e -> e.getValue().contains("Broker") || e.getValue().contains("EventSink"))
        .map(Map.Entry::getKey)
        .filter(name -> !name.equals(ForwardingBroker.class.getName())
            && !name.equals(ForwardingEventSink.class.getName()))
        .filter(name -> !extendsForwardingBase(name)))
        .as("Broker and EventSink decorators that write their forwards again instead of extending "
            + "ForwardingBroker or ForwardingEventSink")
        .isEmpty();
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

  @Test
  void theForwardingBasesHandEveryCallToTheirDelegateOnceWithItsArgumentsAndReturnItsResult() {
    assertThat(notForwarded(Broker.class, d -> new ForwardingBroker(d) {})).as("Broker methods not forwarded")
        .isEmpty();
    assertThat(notForwarded(EventSink.class, d -> new ForwardingEventSink(d) {})).as("EventSink methods not forwarded")
        .isEmpty();
  }

  @Test
  void theForwardingCheckNamesAMethodThatIsOverriddenButNotForwarded() {
    // The Broker interface's own default, written into a wrapper: overridden, so the static check passes it.
    assertThat(notForwarded(Broker.class, d -> new ForwardingBroker(d) {
      @Override
      public void watchAvailability(AvailabilityListener listener) {
        listener.onAvailability(true, "");
      }
    })).singleElement().asString().startsWith("watchAvailability(AvailabilityListener)");
    // EventSink's default offer (isReady, then onEvent) instead of the delegate's own offer.
    assertThat(notForwarded(EventSink.class, d -> new ForwardingEventSink(d) {
      @Override
      public boolean offer(TopicEvent event) {
        if (!isReady()) {
          return false;
        }
        onEvent(event);
        return true;
      }
    })).singleElement().asString().startsWith("offer(TopicEvent)");
  }

  /**
   * Calls each method of {@code spi} on {@code wrap(delegate)}, where the delegate records what reaches it, and
   * names each method that did not reach the delegate's same method exactly once with the very same arguments, or
   * whose result is not the delegate's. The delegate is a {@link Proxy} so that it records every method of the SPI,
   * those added later included.
   */
  static <T> List<String> notForwarded(Class<T> spi, Function<T, ? extends T> wrap) {
    List<String> out = new ArrayList<>();
    for (Method m : spi.getMethods()) {
      if (Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      Object result = sample(m.getReturnType(), -1);
      List<String> calls = new ArrayList<>();
      Object[] args = new Object[m.getParameterCount()];
      for (int i = 0; i < args.length; i++) {
        args[i] = sample(m.getParameterTypes()[i], i);
      }
      T delegate = spi.cast(Proxy.newProxyInstance(spi.getClassLoader(), new Class<?>[] {spi}, (proxy, called, a) -> {
        if (called.getDeclaringClass() == Object.class) {
          return switch (called.getName()) {
            case "toString" -> "recording " + spi.getSimpleName();
            case "hashCode" -> System.identityHashCode(proxy);
            default -> proxy == a[0];
          };
        }
        Object[] got = a == null ? new Object[0] : a;
        boolean sameMethod = called.getName().equals(m.getName())
            && Arrays.equals(called.getParameterTypes(), m.getParameterTypes());
        boolean same = sameMethod;
        for (int i = 0; same && i < got.length; i++) {
          same = m.getParameterTypes()[i].isPrimitive() ? got[i].equals(args[i]) : got[i] == args[i];
        }
        calls.add(same ? "same" : signature(called) + " with " + Arrays.toString(got));
        return sameMethod ? result : sample(called.getReturnType(), -1);
      }));
      Object returned;
      try {
        returned = m.invoke(wrap.apply(delegate), args);
      } catch (IllegalAccessException | InvocationTargetException e) {
        out.add(signature(m) + " threw " + (e.getCause() == null ? e : e.getCause()));
        continue;
      }
      if (!calls.equals(List.of("same"))) {
        out.add(signature(m) + " reached the delegate as " + calls);
      } else if (m.getReturnType() != void.class && !(m.getReturnType().isPrimitive()
          ? result.equals(returned) : result == returned)) {
        out.add(signature(m) + " returned " + returned + ", not the delegate's " + result);
      }
    }
    return out;
  }

  /**
   * A value of {@code type} that the forwarding check can recognize when it comes back: distinct per argument
   * position {@code i}, and for a boolean the opposite of Java's default, so a base that answers without asking
   * is seen.
   */
  private static Object sample(Class<?> type, int i) {
    if (type == void.class) {
      return null;
    }
    if (type == boolean.class) {
      return true;
    }
    if (type == long.class) {
      return 40L + i;
    }
    if (type == int.class) {
      return 40 + i;
    }
    if (type == String.class) {
      return "argument " + i;
    }
    if (type == ByteString.class) {
      return ByteString.copyFromUtf8("payload " + i);
    }
    if (type == Status.class) {
      return Status.DATA_LOSS.withDescription("argument " + i);
    }
    if (type == Position.class) {
      return Position.after(40 + i, "epoch " + i);
    }
    if (type == TopicEvent.class) {
      return TopicEvent.of("topic", 40 + i, "epoch", ByteString.EMPTY, Map.of(), Instant.EPOCH);
    }
    if (type == CompletableFuture.class) {
      return new CompletableFuture<>();
    }
    if (type.isInterface()) {
      // An instance of its own (Map, Executor, a listener, a subscription): only its identity is looked at.
      return Proxy.newProxyInstance(type.getClassLoader() == null ? SpiDecoratorsTest.class.getClassLoader()
          : type.getClassLoader(), new Class<?>[] {type}, (proxy, called, a) -> {
            if (called.getName().equals("toString") && called.getParameterCount() == 0) {
              return "sample " + type.getSimpleName() + " " + i;
            }
            if (called.getName().equals("hashCode") && called.getParameterCount() == 0) {
              return System.identityHashCode(proxy);
            }
            if (called.getName().equals("equals") && called.getParameterCount() == 1) {
              return proxy == a[0];
            }
            throw new UnsupportedOperationException("the wrapper called " + called.getName() + " on the "
                + type.getSimpleName() + " it was given, instead of passing it to its delegate");
          });
    }
    throw new AssertionError("SpiDecoratorsTest has no sample " + type.getName()
        + " for the forwarding check: add one to sample()");
  }

  private static boolean extendsForwardingBase(String className) {
    try {
      Class<?> c = Class.forName(className, false, SpiDecoratorsTest.class.getClassLoader());
      return (!Broker.class.isAssignableFrom(c) || ForwardingBroker.class.isAssignableFrom(c))
          && (!EventSink.class.isAssignableFrom(c) || ForwardingEventSink.class.isAssignableFrom(c));
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
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
