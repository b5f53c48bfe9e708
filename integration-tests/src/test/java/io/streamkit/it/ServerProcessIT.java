package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Message;
import io.streamkit.client.StreamKitClient;
import io.streamkit.testing.ServerProcess;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerProcessIT {

  @Test
  void theServerJarAnswersEchoAndExitsZeroOnSigterm() throws Exception {
    try (ServerProcess server = ServerProcess.start("--shutdown-grace", "1s");
        StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build()) {
      Message reply = client.call("echo", ByteString.copyFromUtf8("over a real process")).get();
      assertThat(reply.getPayload().toStringUtf8()).isEqualTo("over a real process");

      assertThat(server.stop(Duration.ofSeconds(10))).isZero();
      assertThat(server.output()).contains("StreamKit server stopped");
    }
  }
}
