package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.testing.NodeProject;
import io.streamkit.testing.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cross-language interop: a standard Node.js gRPC client (@grpc/grpc-js + @grpc/proto-loader), built at run
 * time from the same .proto files, runs {@code interop/node/interop.js} against the packaged server jar.
 * Skipped (with one loud line) when {@code node} or {@code npm} is not on the PATH; under CI it fails instead, never
 * skips: it is the only cross-language gRPC test, and {@code .ci/run} fails when its report is missing or empty.
 */
// npm ci may take up to 5 min on a fresh machine (NodeProject's limit), then the checks run.
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class NodeInteropIT {

  @Test
  void aNodeGrpcClientGeneratedFromTheSameProtosPassesEveryCheck() throws Exception {
    NodeProject project = NodeProject.find("interop/node");
    project.install();
    Path protoRoot = project.dir().resolve("../../api/src/main/protobuf").normalize();

    try (ServerProcess server = ServerProcess.start()) {
      NodeProject.Result r = project.node(List.of("interop.js", "127.0.0.1:" + server.port(), protoRoot.toString()),
          "interop.log", Duration.ofSeconds(60));
      String why = "node interop.js output:\n" + r.output() + "\nserver output:\n" + server.output();
      assertThat(r.exitCode()).as("%s", why).isZero();
      assertThat(r.output()).as("%s", why).contains(
          "OK greeter.Chat:",
          "OK streamkit.Chat:",
          "OK streamkit.Publish:",
          "OK streamkit.Subscribe:",
          "ALL CHECKS PASSED");
      System.out.println("[NodeInteropIT] node interop.js output:\n" + r.output());
    }
  }
}
