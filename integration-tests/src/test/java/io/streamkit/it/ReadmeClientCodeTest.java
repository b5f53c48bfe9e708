package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.client.StreamKitException;
import io.streamkit.server.StreamKitServer;
import io.streamkit.testing.ServerProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java blocks of README.md's "Use the client" and "Server push" sections, compiled and run exactly as written
 * against an embedded server; the only change is the target, {@code localhost:9090} becoming the server's port. So
 * the README cannot drift from what the client does: the subscription loop there survives a server restart here.
 */
@Timeout(120)
class ReadmeClientCodeTest {
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

  @TempDir
  Path dir;
  private final List<StreamKitServer> servers = new ArrayList<>();
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private PrintStream originalOut;

  @AfterEach
  void stop() {
    if (originalOut != null) {
      System.setOut(originalOut);
    }
    servers.forEach(StreamKitServer::closeNow);
  }

  private StreamKitServer server(int port) {
    StreamKitServer server =
        StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(port)).build().start();
    servers.add(server);
    return server;
  }

  /** The first Java block of the README section whose heading is {@code heading}. */
  private static String readmeBlock(String heading) throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    int start = readme.indexOf("\n## " + heading + "\n");
    assertThat(start).as("README section '%s'", heading).isNotNegative();
    int end = readme.indexOf("\n## ", start + 1);
    Matcher block = JAVA_BLOCK.matcher(readme.substring(start, end < 0 ? readme.length() : end));
    assertThat(block.find()).as("a java block in README section '%s'", heading).isTrue();
    return block.group(1);
  }

  /** Compiles {@code block} (its imports, then its statements as the body of a method) and returns it to run. */
  private Callable<?> compile(String block, int port) throws Exception {
    StringBuilder imports = new StringBuilder();
    StringBuilder body = new StringBuilder();
    for (String line : block.split("\n")) {
      (line.startsWith("import ") ? imports : body).append(line).append('\n');
    }
    String source = "package readme;\n" + imports + "public class Snippet implements java.util.concurrent.Callable<Void> {\n"
        + "  public Void call() throws Exception {\n"
        + body.toString().replace("\"localhost:9090\"", "\"127.0.0.1:" + port + "\"")
        + "    return null;\n  }\n}\n";
    Path file = dir.resolve("readme").resolve("Snippet.java");
    Files.createDirectories(file.getParent());
    Files.writeString(file, source);
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int result = javac.run(null, errors, errors, "-classpath", classPath, "-d", dir.toString(), file.toString());
    assertThat(result).as("the README block compiles:\n%s\n%s", source, errors).isZero();
    URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
    return (Callable<?>) loader.loadClass("readme.Snippet").getConstructor().newInstance();
  }

  private void capturePrinted() {
    originalOut = System.out;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  private String printed() {
    return printed.toString(StandardCharsets.UTF_8);
  }

  private void awaitPrinted(String text, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!printed().contains(text)) {
      assertThat(System.nanoTime()).as("'%s' printed within %s; printed so far:\n%s", text, within, printed())
          .isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void theClientSectionRunsAsWritten() throws Exception {
    StreamKitServer server = server(0);
    Callable<?> snippet = compile(readmeBlock("Use the client"), server.port());
    capturePrinted();

    snippet.call();

    assertThat(printed()).contains("hello\n", "stored at offset 1\n", "1 hi\n");
  }

  @Test
  void theServerPushLoopRunsAsWrittenAndGoesOnAfterTheServerRestarts() throws Exception {
    int port = ServerProcess.freePort();
    StreamKitServer first = server(port);
    first.broker().publish("notifications", ByteString.copyFromUtf8("one"), Map.of()).join();
    first.broker().publish("notifications", ByteString.copyFromUtf8("two"), Map.of()).join();
    Callable<?> snippet = compile(readmeBlock("Server push"), port);
    capturePrinted();
    CompletableFuture<Throwable> loop = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try {
        snippet.call();
        loop.complete(null);
      } catch (Throwable t) {
        loop.complete(t);
      }
    }, "readme-loop");
    reader.start();
    awaitPrinted("2 two\n", Duration.ofSeconds(20));
    assertThat(printed()).contains("connection READY", "1 one\n");

    first.closeNow(); // the in-memory history goes with it: the new server starts a new epoch
    StreamKitServer second = server(port);
    second.broker().publish("notifications", ByteString.copyFromUtf8("after restart"), Map.of()).join();

    awaitPrinted("1 after restart\n", Duration.ofSeconds(20));
    assertThat(loop).as("the loop goes on").isNotDone();
    reader.interrupt(); // how this test stops the loop: hasNext() ends it with CANCELLED
    assertThat(loop.get(10, TimeUnit.SECONDS)).isInstanceOf(StreamKitException.class)
        .hasMessageStartingWith("CANCELLED");
  }
}
