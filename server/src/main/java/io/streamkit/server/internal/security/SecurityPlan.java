package io.streamkit.server.internal.security;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.streamkit.server.internal.plugins.PluginLoader;
import io.streamkit.server.security.Authenticator;
import io.streamkit.server.security.Authorizer;
import io.streamkit.server.security.ServerTls;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server builder collected about security, and the rules that turn it into one {@link CallSecurity}
 * and one TLS context: at most one authenticator and one authorizer (registered or discovered); with mutual TLS
 * and no authenticator, the client certificate names the caller. Thread-compatible, like the builder.
 */
public final class SecurityPlan {
  private static final Logger log = LoggerFactory.getLogger(SecurityPlan.class);

  private ServerTls tls;
  private final List<Authenticator> authenticators = new ArrayList<>(1);
  private final List<Authorizer> authorizers = new ArrayList<>(1);

  public void tls(ServerTls tls) {
    this.tls = tls;
  }

  public void add(Authenticator authenticator) {
    authenticators.add(authenticator);
  }

  public void add(Authorizer authorizer) {
    authorizers.add(authorizer);
  }

  /** Adds every Authenticator and Authorizer that ServiceLoader finds through {@code loader}. */
  public void discover(ClassLoader loader) {
    authenticators.addAll(PluginLoader.discover(Authenticator.class, loader));
    authorizers.addAll(PluginLoader.discover(Authorizer.class, loader));
  }

  /**
   * The calls' security.
   *
   * @throws IllegalStateException if more than one authenticator or authorizer was given; names both classes
   */
  public CallSecurity callSecurity() {
    Authenticator authenticator = atMostOne("Authenticator", authenticators);
    Authorizer authorizer = atMostOne("Authorizer", authorizers);
    if (authenticator == null && tls != null && tls.requiresClientCertificates()) {
      authenticator = new ClientCertificateAuthenticator();
    }
    if (authenticator == null && authorizer == null) {
      return CallSecurity.OPEN;
    }
    CallSecurity security = new CallSecurity(authenticator, authorizer == null ? new CallSecurity.AllowAll() : authorizer);
    if (authenticator != null && tls == null) {
      log.warn("calls are authenticated over plaintext: credentials cross the network readable; enable TLS");
    }
    return security;
  }

  /** The server's TLS context, or null for plaintext. */
  public SslContext sslContext() {
    // The JDK provider: no tcnative binary to ship, and Java 17 has ALPN for HTTP/2.
    return tls == null ? null : build(GrpcSslContexts.configure(contextBuilder(), SslProvider.JDK));
  }

  /**
   * The HTTP port's TLS context, or null for plaintext: the same certificate, key and client CA as the gRPC port,
   * with ALPN offering HTTP/2 and HTTP/1.1 (browsers and HTTP clients pick).
   */
  public SslContext httpSslContext() {
    return tls == null ? null : build(contextBuilder().sslProvider(SslProvider.JDK).applicationProtocolConfig(
        new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)));
  }

  /** The certificate, key and (with mutual TLS) client CA that both ports' contexts share. */
  private SslContextBuilder contextBuilder() {
    SslContextBuilder builder = SslContextBuilder.forServer(
        tls.privateKey(), tls.certificateChain().toArray(new java.security.cert.X509Certificate[0]));
    if (tls.requiresClientCertificates()) {
      builder.trustManager(tls.clientCa()).clientAuth(ClientAuth.REQUIRE);
    }
    return builder;
  }

  private static SslContext build(SslContextBuilder builder) {
    try {
      return builder.build();
    } catch (SSLException e) {
      throw new IllegalArgumentException("tls: the certificate and key cannot make a TLS context: " + e.getMessage(), e);
    }
  }

  /** One line for the start-up log. */
  public String describe(CallSecurity security) {
    return (tls == null ? "plaintext" : tls.toString()) + ", " + security;
  }

  private static <T> T atMostOne(String kind, List<T> found) {
    if (found.size() > 1) {
      throw new IllegalStateException("more than one " + kind + ": " + found.get(0).getClass().getName() + " and "
          + found.get(1).getClass().getName() + " (expected: at most one; registered, discovered and"
          + " --auth-tokens all count)");
    }
    return found.isEmpty() ? null : found.get(0);
  }
}
