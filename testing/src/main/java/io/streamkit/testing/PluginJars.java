package io.streamkit.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds a real plug-in jar at test time: compiles a handler's source with the JDK's compiler and packs it with
 * its {@code META-INF/services} entry, so discovery is tested on classes the test class path does not have.
 */
public final class PluginJars {
  private static final String HANDLER_SPI = "io.streamkit.server.handler.MessageHandler";

  private PluginJars() {}

  /** Writes {@code dir/name.jar} holding class {@code plug.<simpleName>} compiled from {@code source}. */
  public static Path build(Path dir, String name, String simpleName, String source) throws IOException {
    return build(dir, name, Map.of(simpleName, source), Set.of(simpleName), List.of("plug." + simpleName));
  }

  /**
   * Writes {@code dir/name.jar} for the failure cases of discovery: compiles every source (simple name to source,
   * all in package {@code plug}), packs only the classes of the simple names in {@code packed} (with their nested
   * classes), and writes a handler services file listing {@code listed} (fully qualified names) as given, so a
   * jar can list a class it lacks or ship a class without what it needs.
   */
  public static Path build(Path dir, String name, Map<String, String> sources, Set<String> packed,
      List<String> listed) throws IOException {
    Path work = Files.createTempDirectory("plugin-src");
    List<String> args = new ArrayList<>();
    Path classes = work.resolve("classes");
    Files.createDirectories(classes);
    // The test's own class path holds the handler SPI (streamkit-server) and what handlers use. Surefire runs
    // tests from a manifest-only jar, so java.class.path is that jar; it names the real class path apart.
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    args.addAll(List.of("-d", classes.toString(), "-cp", classPath));
    for (Map.Entry<String, String> e : sources.entrySet()) {
      Path src = work.resolve("plug/" + e.getKey() + ".java");
      Files.createDirectories(src.getParent());
      Files.writeString(src, e.getValue());
      args.add(src.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc = javac.run(null, null, null, args.toArray(new String[0]));
    if (rc != 0) {
      throw new IllegalStateException("plug-in source did not compile (javac exit " + rc + ")");
    }
    Files.createDirectories(dir);
    Path jar = dir.resolve(name + ".jar");
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(out)) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(classes)) {
        files = walk.filter(Files::isRegularFile).filter(f -> packed.contains(topLevel(f))).toList();
      }
      for (Path f : files) {
        jos.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        jos.write(Files.readAllBytes(f));
        jos.closeEntry();
      }
      jos.putNextEntry(new JarEntry("META-INF/services/" + HANDLER_SPI));
      jos.write((String.join("\n", listed) + "\n").getBytes(StandardCharsets.UTF_8));
      jos.closeEntry();
    }
    return jar;
  }

  /** {@code Foo} for {@code plug/Foo.class} and {@code plug/Foo$Inner.class}. */
  private static String topLevel(Path classFile) {
    String file = classFile.getFileName().toString();
    String simple = file.substring(0, file.length() - ".class".length());
    int dollar = simple.indexOf('$');
    return dollar < 0 ? simple : simple.substring(0, dollar);
  }

  /** Source of a handler class {@code plug.<simpleName>} serving {@code route} by upper-casing the payload. */
  public static String upperCaseHandler(String simpleName, String route) {
    return """
        package plug;

        import com.google.protobuf.ByteString;
        import io.streamkit.api.v1.Message;
        import io.streamkit.server.handler.MessageHandler;
        import io.streamkit.server.handler.StreamContext;

        public final class %s implements MessageHandler {
          @Override public String route() { return "%s"; }

          @Override public void onMessage(StreamContext context, Message message) {
            String text = message.getPayload().toStringUtf8().toUpperCase(java.util.Locale.ROOT);
            context.reply(message, Message.newBuilder().setPayload(ByteString.copyFromUtf8(text)).build());
          }
        }
        """.formatted(simpleName, route);
  }
}
