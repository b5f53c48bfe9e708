/**
 * Who may call the server, and what each caller may do.
 *
 * <ul>
 *   <li>{@link io.streamkit.server.security.ServerTls}: TLS with a PEM certificate chain and key, and optionally a
 *       client CA that makes the server require client certificates (mutual TLS). An immutable value.</li>
 *   <li>{@link io.streamkit.server.security.Authenticator} (SPI): turns each call's request headers and TLS session
 *       into a {@link io.streamkit.server.security.Principal}, or refuses the call with UNAUTHENTICATED before any
 *       handler or broker sees it. Built in: {@link io.streamkit.server.security.BearerTokenAuthenticator} (bearer
 *       tokens from a file) and, with mutual TLS and no other authenticator, the client certificate's subject. The
 *       built-in ones give the refusal a typed reason, CREDENTIALS_MISSING or CREDENTIALS_REJECTED.</li>
 *   <li>{@link io.streamkit.server.security.Authorizer} (SPI): decides per Chat route and per topic (subscribe,
 *       publish); a denial is PERMISSION_DENIED with reason NOT_AUTHORIZED. The default allows everything.</li>
 *   <li>{@link io.streamkit.server.security.Principal}: the authenticated caller, a name and a scheme.</li>
 * </ul>
 *
 * <p>Both SPIs are thread-safe by contract (called concurrently on transport threads, never blocking), found with
 * {@link java.util.ServiceLoader} through the plug-in class loader
 * ({@code META-INF/services/io.streamkit.server.security.Authenticator} or {@code ...Authorizer}) or registered
 * in code on {@code StreamKitServer.builder()}; the server holds the one it is given for its life and does not
 * close it. The health and reflection services stay open: they are neither authenticated nor authorized. See
 * {@code docs/SECURITY.md}.
 */
package io.streamkit.server.security;
