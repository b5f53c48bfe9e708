package io.streamkit.spring.boot.internal;

/**
 * Applies one bound property to a StreamKit builder and, when the builder rejects the value, rethrows naming the
 * property as the application wrote it ({@code streamkit.server.keepalive-time}) rather than the builder's field
 * ({@code keepAliveTime}): the user edits the property, not the builder. Stateless and thread-safe.
 */
public final class PropertyErrors {
  private PropertyErrors() {}

  /**
   * Runs {@code apply} unless {@code value} is null (the property is not set: the builder's default stays).
   *
   * @throws IllegalArgumentException naming {@code key} and {@code value}, with the builder's complaint as the
   *     reason and cause
   */
  public static void apply(String key, Object value, Runnable apply) {
    if (value == null) {
      return;
    }
    try {
      apply.run();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(key + ": '" + value + "': " + e.getMessage(), e);
    }
  }
}
