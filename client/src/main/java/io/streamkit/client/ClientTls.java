package io.streamkit.client;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * How a {@link StreamKitClient} connects with TLS: which server certificates it trusts (the JVM's trust store,
 * or the CAs of a PEM file) and, for mutual TLS, the client certificate it presents. The server's certificate
 * must name the host of the client's target (a DNS or IP subject alternative name).
 *
 * <p>PEM files: certificates as {@code -----BEGIN CERTIFICATE-----} blocks (a chain starts with the client's own
 * certificate); the key unencrypted PKCS#8 {@code -----BEGIN PRIVATE KEY-----} (convert a PKCS#1 key with
 * {@code openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem}). Files are read by the factory methods,
 * at once: a missing or malformed file throws IllegalArgumentException naming it, not a failed handshake later.
 * TLS runs on the JDK's provider.
 *
 * <p>Immutable and thread-safe; one value may configure any number of clients.
 */
public final class ClientTls {
  private final Path trustedCa;
  private final Path certificateChain;
  private final Path privateKey;
  private final SslContext sslContext;

  private ClientTls(Path trustedCa, Path certificateChain, Path privateKey) {
    this.trustedCa = trustedCa;
    this.certificateChain = certificateChain;
    this.privateKey = privateKey;
    this.sslContext = build();
  }

  /** TLS trusting the server certificates the JVM's default trust store trusts (public CAs). */
  public static ClientTls systemTrust() {
    return new ClientTls(null, null, null);
  }

  /**
   * TLS trusting only server certificates signed by the CAs in {@code caPem}, e.g. a private CA.
   *
   * @throws IllegalArgumentException if the file cannot be read or holds no valid certificate
   */
  public static ClientTls trustingCa(Path caPem) {
    return new ClientTls(readable("trustedCa", caPem), null, null);
  }

  /**
   * This TLS, also presenting a client certificate (mutual TLS).
   *
   * @param certificateChainPem the client's certificate, then its intermediates, if any
   * @param privateKeyPem the certificate's key, unencrypted PKCS#8
   * @throws IllegalArgumentException if a file cannot be read or is not valid PEM of its kind
   */
  public ClientTls withClientCertificate(Path certificateChainPem, Path privateKeyPem) {
    return new ClientTls(trustedCa, readable("certificateChain", certificateChainPem),
        readable("privateKey", privateKeyPem));
  }

  /** Whether a client certificate is presented. */
  public boolean presentsClientCertificate() {
    return certificateChain != null;
  }

  SslContext sslContext() {
    return sslContext;
  }

  private SslContext build() {
    SslContextBuilder builder = GrpcSslContexts.forClient();
    if (trustedCa != null) {
      try {
        builder.trustManager(trustedCa.toFile());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("trustedCa: " + trustedCa
            + " (expected: PEM CA certificates): " + e.getMessage(), e);
      }
    }
    if (certificateChain != null) {
      try {
        builder.keyManager(certificateChain.toFile(), privateKey.toFile());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("clientCertificate: " + certificateChain + " with key " + privateKey
            + " (expected: a PEM certificate chain and its unencrypted PKCS#8 key): " + e.getMessage(), e);
      }
    }
    try {
      return builder.build();
    } catch (SSLException e) {
      throw new IllegalArgumentException("tls: " + this + " cannot make a TLS context: " + e.getMessage(), e);
    }
  }

  private static Path readable(String field, Path file) {
    Objects.requireNonNull(file, field + ": null (expected: a PEM file)");
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException(field + ": " + file + " (expected: a readable PEM file)");
    }
    return file;
  }

  @Override
  public String toString() {
    return "ClientTls{trust=" + (trustedCa == null ? "system" : trustedCa)
        + (certificateChain == null ? "" : ", clientCertificate=" + certificateChain) + "}";
  }
}
