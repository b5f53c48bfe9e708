/**
 * Not API: the HTTP port ({@code --http-port}): one Netty listener on the server's event loops speaking HTTP/1.1,
 * h2c and HTTP/2 over TLS, which serves the server's own gRPC service definitions to Connect and gRPC-Web clients
 * through {@link io.streamkit.server.internal.web.WebCall} (a {@code ServerCall} written in the protocol's framing),
 * Subscribe as Server-Sent Events, and the web console. Anything here may change without notice; docs/WEB.md
 * describes what clients see.
 */
package io.streamkit.server.internal.web;
