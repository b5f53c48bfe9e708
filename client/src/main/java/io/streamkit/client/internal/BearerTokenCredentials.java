package io.streamkit.client.internal;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.concurrent.Executor;

/**
 * Sends {@code authorization: Bearer <token>} with every call. The token is never logged or put in a
 * message, and {@link #toString()} hides it.
 */
public final class BearerTokenCredentials extends CallCredentials {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final String value;

  /**
   * @throws IllegalArgumentException if {@code token} is blank or holds whitespace or non-ASCII characters
   */
  public BearerTokenCredentials(String token) {
    if (token == null || token.isEmpty() || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      // The token is a secret: say what is wrong with it without printing it.
      throw new IllegalArgumentException("bearerToken: (hidden, " + (token == null ? "null" : token.length()
          + " chars") + ") (expected: printable ASCII without spaces)");
    }
    this.value = "Bearer " + token;
  }

  @Override
  public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, value);
    applier.apply(headers);
  }

  @Override
  public String toString() {
    return "BearerTokenCredentials{(hidden)}";
  }
}
