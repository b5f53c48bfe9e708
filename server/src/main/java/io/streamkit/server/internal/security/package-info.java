/**
 * Not API: how the server applies the {@code io.streamkit.server.security} SPIs to calls: the authentication
 * interceptor, the per-call authorization checks, the client-certificate authenticator of mutual TLS and the plan
 * that puts them together from the builder's settings. Anything here may change without notice.
 */
package io.streamkit.server.internal.security;
