package io.streamkit.testing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away PKI made at test time, so no private key is committed: a CA, and certificates it signs for a
 * server (SAN localhost and 127.0.0.1) and for clients (CN = the client's name), written as PEM files (keys as
 * unencrypted PKCS#8) into a test's temporary folder. EC P-256 keys: fast to generate on a busy machine.
 *
 * <p>Thread-compatible. Nothing to close: the files live in the folder the test gave, which it deletes.
 */
public final class TestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** A certificate and its key, as PEM files. */
  public record Issued(Path certificate, Path key) {}

  private final Path dir;
  private final Path caCertificate;
  private final X500Name caName;
  private final KeyPair caKeys;

  private TestPki(Path dir, String caName) throws Exception {
    this.dir = dir;
    this.caName = new X500Name("CN=" + caName);
    this.caKeys = newKeys();
    X509v3CertificateBuilder ca = builder(this.caName, this.caName, caKeys)
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    this.caCertificate = writeCertificate(dir.resolve(caName + ".pem"), sign(ca, caKeys));
  }

  /** The CA's certificate (PEM), to trust. */
  public Path caCertificate() {
    return caCertificate;
  }

  /** A new CA named {@code caName}, writing its files into {@code dir}. */
  public static TestPki create(Path dir, String caName) throws Exception {
    return new TestPki(dir, caName);
  }

  /** A server certificate for localhost and 127.0.0.1. */
  public Issued server() throws Exception {
    KeyPair keys = newKeys();
    X509v3CertificateBuilder b = builder(caName, new X500Name("CN=localhost"), keys)
        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}))
        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    return write("server", sign(b, caKeys), keys);
  }

  /** A client certificate whose subject is {@code CN=<name>, O=StreamKit Tests}. */
  public Issued client(String name) throws Exception {
    KeyPair keys = newKeys();
    X509v3CertificateBuilder b = builder(caName, new X500Name("CN=" + name + ",O=StreamKit Tests"), keys)
        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    return write("client-" + name, sign(b, caKeys), keys);
  }

  private Issued write(String name, X509Certificate certificate, KeyPair keys) throws Exception {
    Path cert = writeCertificate(dir.resolve(name + "-" + caName.toString().substring(3) + ".pem"), certificate);
    Path key = dir.resolve(name + "-" + caName.toString().substring(3) + ".key");
    Files.writeString(key, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
    return new Issued(cert, key);
  }

  private static Path writeCertificate(Path file, X509Certificate certificate) throws Exception {
    Files.writeString(file, pem("CERTIFICATE", certificate.getEncoded()), StandardCharsets.US_ASCII);
    return file;
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
  }

  private static KeyPair newKeys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }
}
