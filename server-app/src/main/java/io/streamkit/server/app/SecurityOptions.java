package io.streamkit.server.app;

import io.streamkit.server.StreamKitServer;
import io.streamkit.server.security.BearerTokenAuthenticator;
import io.streamkit.server.security.ServerTls;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The CLI's security options: TLS files and the bearer-token file. Each is also the environment variable
 * {@code STREAMKIT_<NAME>}. A missing or malformed file stops start-up with exit code 2 and a message naming the
 * option, the file and, for the token file, the line.
 */
final class SecurityOptions {
  @Option(
      names = "--tls-cert",
      description = "PEM certificate chain of the server (its certificate first); with --tls-key, serves TLS only (default: none, plaintext).")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      description = "PEM private key of --tls-cert, unencrypted PKCS#8 ('BEGIN PRIVATE KEY') (default: none).")
  Path tlsKey;

  @Option(
      names = "--tls-client-ca",
      description = "PEM CA certificates of client certificates; requires a client certificate on every connection (mutual TLS) (default: none).")
  Path tlsClientCa;

  @Option(
      names = "--auth-tokens",
      description = "File of 'token principal-name' lines; calls without a listed 'authorization: Bearer <token>' fail with UNAUTHENTICATED (default: none).")
  Path authTokens;

  /** Configures {@code builder}'s TLS and authentication, and discovers security plug-ins through {@code plugins}. */
  void applyTo(StreamKitServer.Builder builder, ClassLoader plugins) {
    if (tlsCert != null || tlsKey != null || tlsClientCa != null) {
      ServerTls.Builder tls = ServerTls.builder();
      ServerMain.option("--tls-cert", tlsCert, () -> tls.certificateChain(required(tlsCert)));
      ServerMain.option("--tls-key", tlsKey, () -> tls.privateKey(required(tlsKey)));
      if (tlsClientCa != null) {
        ServerMain.option("--tls-client-ca", tlsClientCa, () -> tls.clientCa(tlsClientCa));
      }
      ServerMain.option("--tls-key", tlsKey, () -> builder.tls(tls.build()));
    }
    if (authTokens != null) {
      ServerMain.option("--auth-tokens", authTokens,
          () -> builder.authenticator(BearerTokenAuthenticator.fromFile(authTokens)));
    }
    builder.discoverSecurity(plugins);
  }

  private static Path required(Path file) {
    if (file == null) {
      throw new IllegalArgumentException(
          "not set (expected: a PEM file; TLS needs both --tls-cert and --tls-key, also for --tls-client-ca)");
    }
    return file;
  }
}
