/**
 * Who may call the server, and what each caller may do.
 *
 * <ul>
 *   <li><b>Transport</b>: {@link io.streamkit.server.security.ServerTls}, TLS with a PEM certificate chain and
 *       key, and optionally a client CA that makes the server require client certificates (mutual TLS).</li>
 *   <li><b>Authentication</b>: an {@link io.streamkit.server.security.Authenticator} turns each call's request
 *       headers and TLS session into a {@link io.streamkit.server.security.Principal}, or refuses the call with
 *       UNAUTHENTICATED before any handler or broker sees it. Built in: bearer tokens from a file
 *       ({@link io.streamkit.server.security.BearerTokenAuthenticator}) and, with mutual TLS and no other
 *       authenticator, the client certificate's subject.</li>
 *   <li><b>Authorization</b>: an {@link io.streamkit.server.security.Authorizer} decides per Chat route and per
 *       topic (subscribe, publish); a denial is PERMISSION_DENIED. The default allows everything.</li>
 * </ul>
 *
 * <p>Both SPIs are found with {@link java.util.ServiceLoader} through the plug-in class loader
 * ({@code META-INF/services/io.streamkit.server.security.Authenticator} or {@code ...Authorizer}), or
 * registered in code on {@code StreamKitServer.builder()}. The health and reflection services stay open: they
 * are neither authenticated nor authorized.
 */
package io.streamkit.server.security;
