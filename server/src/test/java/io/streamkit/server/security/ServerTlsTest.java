package io.streamkit.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad PEM files are reported at once, naming the setting and the file. */
class ServerTlsTest {
  @TempDir Path dir;

  @Test
  void aFileWithoutACertificateIsRejectedNamingTheSettingAndFile() throws Exception {
    Path notPem = dir.resolve("cert.pem");
    Files.writeString(notPem, "hello");

    assertThatThrownBy(() -> ServerTls.builder().certificateChain(notPem))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("certificateChain: " + notPem
            + " holds no '-----BEGIN CERTIFICATE-----' block (expected: PEM X.509 certificates)");
    assertThatThrownBy(() -> ServerTls.builder().certificateChain(dir.resolve("missing.pem")))
        .hasMessageContaining("certificateChain: " + dir.resolve("missing.pem") + " cannot be read");
  }

  @Test
  void aPkcs1KeyIsRejectedWithTheCommandThatConvertsIt() throws Exception {
    Path key = dir.resolve("key.pem");
    Files.writeString(key, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");

    assertThatThrownBy(() -> ServerTls.builder().privateKey(key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("privateKey: " + key + " holds a 'RSA PRIVATE KEY'")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in " + key);
  }

  @Test
  void aPkcs8KeyIsRead() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(256);
    Path key = dir.resolve("key.pem");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(ec.generateKeyPair().getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n");

    assertThatThrownBy(() -> ServerTls.builder().privateKey(key).build())
        .as("the key is fine; only the chain is missing")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("missing: certificateChain");
    assertThat(PemFiles.privateKey("privateKey", key).getAlgorithm()).isEqualTo("EC");
  }
}
