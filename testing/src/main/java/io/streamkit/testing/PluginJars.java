package io.streamkit.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    Path work = Files.createTempDirectory("plugin-src");
    Path src = work.resolve("plug/" + simpleName + ".java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, source);
    Path classes = work.resolve("classes");
    Files.createDirectories(classes);
    // The test's own class path holds the handler SPI (streamkit-server) and what handlers use. Surefire runs
    // tests from a manifest-only jar, so java.class.path is that jar; it names the real class path apart.
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", classPath, src.toString());
    if (rc != 0) {
      throw new IllegalStateException("plug-in source did not compile (javac exit " + rc + ")");
    }
    Files.createDirectories(dir);
    Path jar = dir.resolve(name + ".jar");
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(out)) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(classes)) {
        files = walk.filter(Files::isRegularFile).toList();
      }
      for (Path f : files) {
        jos.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        jos.write(Files.readAllBytes(f));
        jos.closeEntry();
      }
      jos.putNextEntry(new JarEntry("META-INF/services/" + HANDLER_SPI));
      jos.write(("plug." + simpleName + "\n").getBytes(StandardCharsets.UTF_8));
      jos.closeEntry();
    }
    return jar;
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
