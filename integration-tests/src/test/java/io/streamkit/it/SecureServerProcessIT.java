package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.client.ClientTls;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.testing.TlsRejection;
import io.streamkit.testing.ServerProcess;
import io.streamkit.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server jar as a process with mutual TLS and a token file, called by the client facade. */
class SecureServerProcessIT {
  @TempDir Path dir;

  @Test
  void theServerJarWithMutualTlsAndTokensServesOnlyCallersWithBoth() throws Exception {
    TestPki pki = TestPki.create(dir, "process-ca");
    TestPki.Issued serverCert = pki.server();
    TestPki.Issued dave = pki.client("dave");
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "# who may call\ntok-dave dave\ntok-erin erin\n");
    ClientTls tls = ClientTls.trustingCa(pki.caCertificate());

    try (ServerProcess server = ServerProcess.start(
            "--tls-cert", serverCert.certificate().toString(), "--tls-key", serverCert.key().toString(),
            "--tls-client-ca", pki.caCertificate().toString(), "--auth-tokens", tokens.toString());
        StreamKitClient good = StreamKitClient.builder().target("localhost:" + server.port())
            .tls(tls.withClientCertificate(dave.certificate(), dave.key())).bearerToken("tok-dave").build();
        StreamKitClient badToken = StreamKitClient.builder().target("localhost:" + server.port())
            .tls(tls.withClientCertificate(dave.certificate(), dave.key())).bearerToken("tok-mallory").build();
        StreamKitClient noCertificate = StreamKitClient.builder().target("localhost:" + server.port())
            .tls(tls).bearerToken("tok-dave").build()) {
      assertThat(good.call("echo", ByteString.copyFromUtf8("secure")).get(30, java.util.concurrent.TimeUnit.SECONDS).getPayload().toStringUtf8())
          .isEqualTo("secure");

      assertThat(failure(badToken).status().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(failure(badToken).getMessage()).isEqualTo("UNAUTHENTICATED: unknown bearer token");
      // Refused by the TLS handshake, not merely UNAVAILABLE (a stopped server gives that too).
      TlsRejection.assertHandshakeRejected(failure(noCertificate).status());
      assertThat(server.output())
          .contains("clientCertificates=required")
          .contains("authenticator BearerTokenAuthenticator{2 token(s)}")
          .doesNotContain("tok-dave");
    }
  }

  @Test
  void aMissingCertificateFileStopsTheJarWithExitCodeTwoNamingTheOption() {
    Path missing = dir.resolve("missing-cert.pem");

    assertThatThrownBy(() -> ServerProcess.start("--tls-cert", missing.toString(), "--tls-key", missing.toString()))
        .hasMessageContaining("server exited with 2")
        .hasMessageContaining("invalid value for option '--tls-cert' (STREAMKIT_TLS_CERT): '" + missing + "'");
  }

  private static StreamKitException failure(StreamKitClient client) throws Exception {
    try {
      client.call("echo", ByteString.copyFromUtf8("x")).get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return (StreamKitException) e.getCause();
    }
    throw new AssertionError("expected the call to fail");
  }
}
