package io.streamkit.testing;

import io.grpc.Status;
import java.net.ConnectException;
import javax.net.ssl.SSLException;

/**
 * Tells a connection the TLS handshake refused from any other UNAVAILABLE. A stopped server, a refused port and a
 * handshake rejection all reach a gRPC call as UNAVAILABLE; only the cause chain says which. A test of a TLS
 * rejection (no client certificate, one from another CA, a server certificate the client does not trust) checks it
 * here, so that the test fails if the server was simply not there.
 *
 * <p>Stateless and thread-safe.
 */
public final class TlsRejection {
  private TlsRejection() {}

  /**
   * Fails unless {@code status} is UNAVAILABLE caused by a TLS failure ({@link SSLException}, which includes
   * {@code SSLHandshakeException}, anywhere in its cause chain), and not by a refused connection.
   *
   * @return the TLS exception, for checks of its message
   */
  public static SSLException assertHandshakeRejected(Status status) {
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      throw new AssertionError("expected UNAVAILABLE from a TLS handshake rejection, got " + status);
    }
    SSLException tls = null;
    StringBuilder chain = new StringBuilder();
    for (Throwable t = status.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      chain.append("\n  caused by ").append(t);
      if (t instanceof ConnectException) {
        throw new AssertionError("UNAVAILABLE because the connection was refused (no server?), not a TLS "
            + "rejection: " + status + chain);
      }
      if (tls == null && t instanceof SSLException ssl) {
        tls = ssl;
      }
    }
    if (tls == null) {
      throw new AssertionError("UNAVAILABLE without a TLS failure in its cause chain: " + status
          + (chain.length() == 0 ? " (no cause)" : chain));
    }
    return tls;
  }
}
