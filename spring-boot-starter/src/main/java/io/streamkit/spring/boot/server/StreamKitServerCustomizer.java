package io.streamkit.spring.boot.server;

import io.streamkit.server.StreamKitServer;

/**
 * Changes the embedded server's builder after the {@code streamkit.server.*} properties and the handler, security,
 * broker and meter-registry beans were applied: for options that have no property (for example
 * {@code builtInHandlers(false)}). Declare it as a bean; several run in their
 * {@link org.springframework.core.annotation.Order} order.
 *
 * <p>Called once, on the thread that creates the server bean; the builder must not escape the call.
 */
@FunctionalInterface
public interface StreamKitServerCustomizer {
  /** Sets options on {@code builder}; its setters validate at once, as documented on them. */
  void customize(StreamKitServer.Builder builder);
}
