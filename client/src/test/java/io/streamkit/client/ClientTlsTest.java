package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS and credential settings are checked when set, naming the setting and the file. */
class ClientTlsTest {

  @Test
  void aMissingCaFileIsRejectedNamingIt(@TempDir Path dir) {
    Path missing = dir.resolve("ca.pem");

    assertThatThrownBy(() -> ClientTls.trustingCa(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("trustedCa: " + missing + " (expected: a readable PEM file)");
  }

  @Test
  void aCaFileWithoutCertificatesIsRejectedNamingIt(@TempDir Path dir) throws Exception {
    Path garbage = dir.resolve("ca.pem");
    Files.writeString(garbage, "not a certificate");

    assertThatThrownBy(() -> ClientTls.trustingCa(garbage))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("trustedCa: " + garbage + " (expected: PEM CA certificates)");
  }

  @Test
  void aMissingClientKeyIsRejectedNamingIt(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("client.pem");
    Files.writeString(cert, "x");

    assertThatThrownBy(() -> ClientTls.systemTrust().withClientCertificate(cert, dir.resolve("client.key")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("privateKey: " + dir.resolve("client.key"));
  }

  @Test
  void systemTrustBuildsAClientThatPresentsNoCertificate() {
    ClientTls tls = ClientTls.systemTrust();

    assertThat(tls.presentsClientCertificate()).isFalse();
    StreamKitClient.builder().target("localhost:9443").tls(tls).bearerToken("t0ken").build().close();
  }

  @Test
  void aBearerTokenWithWhitespaceIsRejectedWithoutPrintingIt() {
    assertThatThrownBy(() -> StreamKitClient.builder().bearerToken("my secret"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("bearerToken: (hidden")
        .hasMessageNotContaining("my secret");
  }
}
