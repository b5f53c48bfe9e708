package io.streamkit.spring.boot.client;

import io.streamkit.client.StreamKitClient;

/**
 * Changes the auto-configured client's builder after the {@code streamkit.client.*} properties were applied: for
 * options that have no property (a callback executor, call credentials from another library). Declare it as a
 * bean; several run in their {@link org.springframework.core.annotation.Order} order.
 *
 * <p>Called once, on the thread that creates the client bean; the builder must not escape the call.
 */
@FunctionalInterface
public interface StreamKitClientCustomizer {
  /** Sets options on {@code builder}; its setters validate at once, as documented on them. */
  void customize(StreamKitClient.Builder builder);
}
