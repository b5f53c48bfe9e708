package io.streamkit.server.security;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The server's TLS: its certificate chain and private key, and optionally the CAs whose client certificates it
 * requires (mutual TLS). Read from PEM files: certificates as {@code -----BEGIN CERTIFICATE-----} blocks (the
 * server's own first, then intermediates), the key as an unencrypted PKCS#8 {@code -----BEGIN PRIVATE KEY-----}
 * (RSA, EC, Ed25519). A PKCS#1 {@code RSA PRIVATE KEY} or SEC1 {@code EC PRIVATE KEY} is rejected with the
 * openssl command that converts it. TLS runs on the JDK's own provider; ALPN (h2) comes with Java 9 and later.
 *
 * <p>Immutable and thread-safe. The files are read by the builder's setters, at once: later changes to the files
 * do not affect a built value (restart the server to rotate certificates).
 */
public final class ServerTls {
  private final List<X509Certificate> certificateChain;
  private final PrivateKey privateKey;
  private final List<X509Certificate> clientCa;

  private ServerTls(Builder b) {
    this.certificateChain = b.certificateChain;
    this.privateKey = b.privateKey;
    this.clientCa = b.clientCa;
  }

  /** A builder; {@link Builder#certificateChain} and {@link Builder#privateKey} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The server's certificate first, then its intermediates. */
  public List<X509Certificate> certificateChain() {
    return certificateChain;
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  /** The CAs trusted for client certificates; empty when client certificates are not required. */
  public List<X509Certificate> clientCa() {
    return clientCa;
  }

  /** Whether clients must present a certificate signed by {@link #clientCa()} (mutual TLS). */
  public boolean requiresClientCertificates() {
    return !clientCa.isEmpty();
  }

  @Override
  public String toString() {
    return "ServerTls{subject=" + certificateChain.get(0).getSubjectX500Principal().getName()
        + ", clientCertificates=" + (requiresClientCertificates() ? "required" : "not requested") + "}";
  }

  /**
   * Builds {@link ServerTls}. Thread-compatible. Each setter reads and checks its file at once, and throws
   * IllegalArgumentException naming the setting, the file and what was expected.
   */
  public static final class Builder {
    private List<X509Certificate> certificateChain;
    private PrivateKey privateKey;
    private List<X509Certificate> clientCa = List.of();

    private Builder() {}

    /** Required: PEM file of the server's certificate, followed by its intermediates, if any. */
    public Builder certificateChain(Path pemFile) {
      this.certificateChain = PemFiles.certificates("certificateChain", pemFile);
      return this;
    }

    /** Required: PEM file of the server certificate's private key, unencrypted PKCS#8. */
    public Builder privateKey(Path pemFile) {
      this.privateKey = PemFiles.privateKey("privateKey", pemFile);
      return this;
    }

    /**
     * PEM file of the CA certificates that sign client certificates. Setting it makes the server require a
     * client certificate on every connection (mutual TLS). Default: none, client certificates not requested.
     */
    public Builder clientCa(Path pemFile) {
      this.clientCa = PemFiles.certificates("clientCa", pemFile);
      return this;
    }

    /**
     * @throws IllegalStateException if the chain or the key is missing
     * @throws IllegalArgumentException if the key is not the one of the chain's first certificate
     */
    public ServerTls build() {
      if (certificateChain == null || privateKey == null) {
        throw new IllegalStateException("ServerTls needs both certificateChain and privateKey (missing: "
            + (certificateChain == null ? "certificateChain" : "privateKey") + ")");
      }
      if (!PemFiles.matches(privateKey, certificateChain.get(0))) {
        throw new IllegalArgumentException("privateKey: not the key of the first certificate of certificateChain ("
            + certificateChain.get(0).getSubjectX500Principal().getName() + "; expected: the matching key)");
      }
      return new ServerTls(this);
    }
  }
}
