package io.streamkit.server.security;

/**
 * The authenticated caller of one call: a name, and the scheme that proved it.
 *
 * <p>Immutable and thread-safe. Created by an {@link Authenticator}; handlers read it with
 * {@code StreamContext.principal()}, authorizers receive it.
 *
 * @param name who the caller is, e.g. the principal name of a bearer token or a client certificate's CN
 * @param scheme how it was authenticated: {@link #BEARER}, {@link #TLS}, or a custom authenticator's own word
 */
public record Principal(String name, String scheme) {
  /** The scheme of a principal proved by a bearer token. */
  public static final String BEARER = "bearer";
  /** The scheme of a principal proved by a client certificate (mutual TLS). */
  public static final String TLS = "tls";

  /**
   * @throws IllegalArgumentException if {@code name} or {@code scheme} is null or blank
   */
  public Principal {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name: '" + name + "' (expected: non-blank text)");
    }
    if (scheme == null || scheme.isBlank()) {
      throw new IllegalArgumentException("scheme: '" + scheme + "' (expected: non-blank text, e.g. \"bearer\")");
    }
  }

  /** {@code 'alice' (bearer)}: how error messages and log lines name a principal. */
  @Override
  public String toString() {
    return "'" + name + "' (" + scheme + ")";
  }
}
