package io.streamkit.server.internal.security;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.security.Authenticator;
import io.streamkit.server.security.Principal;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Mutual TLS without another authenticator: the caller is its client certificate's subject, by its CN (the
 * whole RFC 2253 subject when it has no CN). The TLS handshake already verified the certificate against the
 * client CA; this only names it.
 */
final class ClientCertificateAuthenticator implements Authenticator {

  @Override
  public Principal authenticate(Metadata headers, Optional<SSLSession> tls) throws StatusException {
    if (tls.isEmpty()) {
      throw refused(ErrorReason.CREDENTIALS_MISSING, "no TLS session: connect with TLS and a client certificate");
    }
    Certificate[] peer;
    try {
      peer = tls.get().getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      throw refused(ErrorReason.CREDENTIALS_MISSING, "no client certificate: present one signed by the client CA");
    }
    if (peer.length == 0 || !(peer[0] instanceof X509Certificate certificate)) {
      throw refused(ErrorReason.CREDENTIALS_REJECTED, "no X.509 client certificate");
    }
    return new Principal(commonName(certificate.getSubjectX500Principal().getName()), Principal.TLS);
  }

  private static StatusException refused(ErrorReason reason, String description) {
    return ErrorDetails.withReason(Status.UNAUTHENTICATED.withDescription(description), reason,
        Map.of("scheme", Principal.TLS)).asException();
  }

  static String commonName(String subject) {
    try {
      for (Rdn rdn : new LdapName(subject).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
    } catch (InvalidNameException e) {
      // Not an LDAP name we can split: the whole subject names the caller.
    }
    return subject;
  }

  @Override
  public String toString() {
    return "client certificate (CN)";
  }
}
