package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.testing.NodeProject;
import io.streamkit.testing.ServerProcess;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The official Connect client for Node.js ({@code @connectrpc/connect-node}: Connect with JSON over HTTP/1.1, with
 * binary protobuf over HTTP/2, and gRPC-Web) runs {@code interop/connect-node/connect-check.mjs} against the packaged
 * server jar's HTTP port. Its code is generated here by {@code protoc-gen-es} with the build's own protoc from the
 * same .proto files. Skipped (with one loud line) when node or npm is missing, failed under CI.
 */
// npm ci may take up to 5 min on a fresh machine (NodeProject's limit), then code generation and the checks.
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ConnectNodeIT {

  @Test
  void theConnectNodeClientPassesEveryCheckOverConnectAndGrpcWeb() throws Exception {
    NodeProject project = NodeProject.find("interop/connect-node");
    project.install();
    generate(project);

    int httpPort = ServerProcess.freePort();
    try (ServerProcess server = ServerProcess.start("--http-port", Integer.toString(httpPort))) {
      NodeProject.Result r = project.node(List.of("connect-check.mjs", "http://127.0.0.1:" + httpPort),
          "connect-check.log", Duration.ofSeconds(90));
      String why = "node connect-check.mjs output:\n" + r.output() + "\nserver output:\n" + server.output();
      assertThat(r.exitCode()).as("%s", why).isZero();
      for (String transport : List.of("connect+json http/1.1", "connect+proto http/2", "grpc-web+proto http/1.1")) {
        assertThat(r.output()).as("%s", why).contains("OK " + transport + " PublishEvent", "OK " + transport
            + " Subscribe", "OK " + transport + " Call", "OK " + transport + " errors");
      }
      assertThat(r.output()).as("%s", why).contains("ALL CHECKS PASSED");
      System.out.println("[ConnectNodeIT] node connect-check.mjs output:\n" + r.output());
    }
  }

  /** protoc-gen-es from node_modules, driven by the protoc the build resolved, into the project's gen/. */
  private static void generate(NodeProject project) throws Exception {
    Path work = Path.of("target", "connect-node").toAbsolutePath();
    Path wkt = work.resolve("include/google/protobuf/timestamp.proto");
    Files.createDirectories(wkt.getParent());
    // The well-known types' .proto files ship inside protobuf-java, which is on this test's class path.
    try (InputStream in = ConnectNodeIT.class.getClassLoader().getResourceAsStream("google/protobuf/timestamp.proto")) {
      assertThat(in).as("google/protobuf/timestamp.proto on the class path (protobuf-java)").isNotNull();
      Files.copy(in, wkt, StandardCopyOption.REPLACE_EXISTING);
    }
    Path protoc = work.resolve("protoc");
    Path resolved = Path.of(System.getProperty("streamkit.protoc", "protoc-not-set"));
    assertThat(resolved).as("the build's protoc (system property streamkit.protoc)").isRegularFile();
    Files.copy(resolved, protoc, StandardCopyOption.REPLACE_EXISTING);
    protoc.toFile().setExecutable(true);
    Path gen = project.dir().resolve("gen");
    Files.createDirectories(gen);
    NodeProject.Result r = project.exec(List.of(protoc.toString(),
        "--plugin=protoc-gen-es=" + project.dir().resolve("node_modules/.bin/protoc-gen-es"),
        "--es_out=" + gen, "--es_opt=target=js",
        "-I", project.dir().resolve("../../api/src/main/protobuf").normalize().toString(),
        "-I", work.resolve("include").toString(),
        "streamkit/v1/streaming.proto"), "protoc-gen-es.log", Duration.ofMinutes(2));
    assertThat(r.exitCode()).as("protoc-gen-es: %s", r.output()).isZero();
  }
}
