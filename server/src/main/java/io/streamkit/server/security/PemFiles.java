package io.streamkit.server.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and PKCS#8 private keys with the JDK alone, so that a bad file is reported naming the
 * setting and the file, at start, instead of as a failed handshake later.
 */
final class PemFiles {
  private static final Pattern KEY_BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z ]*PRIVATE KEY)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  /** Tried in turn: a PKCS#8 key does not say its algorithm in a form KeyFactory takes directly. */
  private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"};

  private PemFiles() {}

  static List<X509Certificate> certificates(String field, Path file) {
    String text = read(field, file);
    if (!text.contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException(field + ": " + file
          + " holds no '-----BEGIN CERTIFICATE-----' block (expected: PEM X.509 certificates)");
    }
    try {
      List<X509Certificate> certificates = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)))) {
        certificates.add((X509Certificate) c);
      }
      return List.copyOf(certificates);
    } catch (CertificateException e) {
      throw new IllegalArgumentException(field + ": " + file + " is not a valid PEM certificate file ("
          + e.getMessage() + ")", e);
    }
  }

  static PrivateKey privateKey(String field, Path file) {
    String text = read(field, file);
    Matcher m = KEY_BLOCK.matcher(text);
    if (!m.find()) {
      throw new IllegalArgumentException(field + ": " + file
          + " holds no '-----BEGIN PRIVATE KEY-----' block (expected: an unencrypted PKCS#8 PEM key)");
    }
    String kind = m.group(1);
    if (!kind.equals("PRIVATE KEY")) {
      throw new IllegalArgumentException(field + ": " + file + " holds a '" + kind + "' (expected: an"
          + " unencrypted PKCS#8 'PRIVATE KEY'; convert it with: openssl pkcs8 -topk8 -nocrypt -in " + file
          + " -out key.pk8.pem)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2).strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + file + " has a key block that is not valid base64", e);
    }
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // Not this algorithm: try the next one.
      }
    }
    throw new IllegalArgumentException(field + ": " + file
        + " holds a key that is not RSA, EC, Ed25519 or Ed448 in PKCS#8 form");
  }

  /**
   * Whether {@code key} belongs to {@code certificate}, by signing a few bytes and verifying them with the
   * certificate's public key. True for key types this check does not know.
   */
  static boolean matches(PrivateKey key, X509Certificate certificate) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
      default -> null;
    };
    if (algorithm == null) {
      return true;
    }
    byte[] probe = "streamkit key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // e.g. an RSA key against an EC certificate
    }
  }

  private static String read(String field, Path file) {
    if (file == null) {
      throw new IllegalArgumentException(field + ": null (expected: a PEM file)");
    }
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          field + ": " + file + " cannot be read (expected: a readable PEM file): " + e, e);
    }
  }
}
