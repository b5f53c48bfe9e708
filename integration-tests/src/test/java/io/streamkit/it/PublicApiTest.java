package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.client.StreamKitClient;
import io.streamkit.server.StreamKitServer;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The public API of the server library and of the client, as a user compiles against it: every public or
 * protected signature of a public type in a public package (not {@code .internal}) names only public API types
 * (STYLE rule 1), and every such type has a package javadoc that lists it.
 */
@Timeout(60)
class PublicApiTest {

  @Test
  void noPublicSignatureOfTheServerOrTheClientNamesAnInternalOrPackagePrivateType() throws Exception {
    List<Class<?>> api = apiTypes();
    Set<String> leaks = new TreeSet<>();
    for (Class<?> c : api) {
      String where = c.getName();
      check(c.getGenericSuperclass(), where + " extends", leaks);
      for (Type t : c.getGenericInterfaces()) {
        check(t, where + " implements", leaks);
      }
      for (Field f : c.getDeclaredFields()) {
        if (exposed(f.getModifiers()) && !f.isSynthetic()) {
          check(f.getGenericType(), where + "." + f.getName(), leaks);
        }
      }
      for (Constructor<?> k : c.getDeclaredConstructors()) {
        if (exposed(k.getModifiers()) && !k.isSynthetic()) {
          for (Type t : k.getGenericParameterTypes()) {
            check(t, where + ".<init>", leaks);
          }
        }
      }
      for (Method m : c.getDeclaredMethods()) {
        if (exposed(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
          check(m.getGenericReturnType(), where + "." + m.getName() + " returns", leaks);
          for (Type t : m.getGenericParameterTypes()) {
            check(t, where + "." + m.getName() + " takes", leaks);
          }
          for (Type t : m.getGenericExceptionTypes()) {
            check(t, where + "." + m.getName() + " throws", leaks);
          }
        }
      }
    }

    assertThat(api).as("the API types found").contains(StreamKitServer.class, StreamKitClient.class,
        io.streamkit.server.handler.MessageHandler.class, io.streamkit.server.broker.Broker.class);
    assertThat(leaks).as("public signatures that name a type users cannot (or must not) use").isEmpty();
  }

  @Test
  void everyPublicPackageSaysWhatItIsForAndListsItsTypes() throws Exception {
    List<Class<?>> api = apiTypes();
    Set<String> unlisted = new TreeSet<>();
    for (Class<?> c : api) {
      if (c.getEnclosingClass() != null) {
        continue; // a nested type is documented by its enclosing one
      }
      String info = packageInfo(c.getPackageName());
      if (!info.contains("{@link " + c.getName() + "}") && !info.contains("{@link " + c.getSimpleName() + "}")) {
        unlisted.add(c.getName());
      }
    }
    assertThat(unlisted).as("public types their package-info.java does not list ({@link ...})").isEmpty();
  }

  private static boolean exposed(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  /** Types users compile against: public, in a public package, enclosed only by public types. */
  private static boolean isApi(Class<?> c) {
    if (c.isArray()) {
      return isApi(c.getComponentType());
    }
    if (c.isPrimitive() || !c.getName().startsWith("io.streamkit.")) {
      return true; // the JDK's and the libraries' own API (grpc, protobuf...) are theirs to keep
    }
    if (c.getPackageName().contains(".internal") || c.isAnonymousClass() || c.isLocalClass()) {
      return false;
    }
    for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
      if (!Modifier.isPublic(k.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  private static void check(Type type, String where, Set<String> leaks) {
    check(type, where, leaks, new HashSet<>());
  }

  private static void check(Type type, String where, Set<String> leaks, Set<Type> seen) {
    if (type == null || !seen.add(type)) {
      return;
    }
    if (type instanceof Class<?> c) {
      if (!isApi(c)) {
        leaks.add(where + ": " + c.getName());
      }
    } else if (type instanceof ParameterizedType p) {
      check(p.getRawType(), where, leaks, seen);
      for (Type a : p.getActualTypeArguments()) {
        check(a, where, leaks, seen);
      }
    } else if (type instanceof WildcardType w) {
      for (Type b : w.getUpperBounds()) {
        check(b, where, leaks, seen);
      }
      for (Type b : w.getLowerBounds()) {
        check(b, where, leaks, seen);
      }
    } else if (type instanceof GenericArrayType g) {
      check(g.getGenericComponentType(), where, leaks, seen);
    } else if (type instanceof TypeVariable<?> v) {
      for (Type b : v.getBounds()) {
        check(b, where, leaks, seen);
      }
    }
  }

  /** The public API types of the server library and of the client. */
  private static List<Class<?>> apiTypes() throws IOException, URISyntaxException, ClassNotFoundException {
    List<Class<?>> api = new ArrayList<>();
    api.addAll(publicApi(classesOf(StreamKitServer.class, "io/streamkit/server/")));
    api.addAll(publicApi(classesOf(StreamKitClient.class, "io/streamkit/client/")));
    return api;
  }

  private static List<Class<?>> publicApi(List<Class<?>> classes) {
    return classes.stream().filter(PublicApiTest::isApi).filter(c -> !c.isSynthetic()).toList();
  }

  /** Every class under {@code prefix} in the jar or folder {@code anchor} was loaded from. */
  private static List<Class<?>> classesOf(Class<?> anchor, String prefix)
      throws IOException, URISyntaxException, ClassNotFoundException {
    Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> out = new ArrayList<>();
    if (Files.isDirectory(location)) {
      collect(location, prefix, out);
    } else {
      try (FileSystem jar = FileSystems.newFileSystem(location)) {
        collect(jar.getPath("/"), prefix, out);
      }
    }
    return out;
  }

  private static void collect(Path root, String prefix, List<Class<?>> out) throws IOException, ClassNotFoundException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = root.relativize(p).toString().replace('\\', '/');
        if (!name.startsWith(prefix) || !name.endsWith(".class") || name.endsWith("package-info.class")) {
          continue;
        }
        out.add(Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false,
            PublicApiTest.class.getClassLoader()));
      }
    }
  }

  /** The source of a package's package-info.java, from the module's sources beside this build. */
  private static String packageInfo(String packageName) throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    String relative = packageName.replace('.', '/') + "/package-info.java";
    for (String module : List.of("server", "client")) {
      Path file = root.resolve(module).resolve("src/main/java").resolve(relative);
      if (Files.exists(file)) {
        return Files.readString(file);
      }
    }
    throw new AssertionError("no package-info.java for " + packageName + " under " + root + "/{server,client}");
  }
}
