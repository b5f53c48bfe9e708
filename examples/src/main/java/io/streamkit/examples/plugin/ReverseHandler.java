package io.streamkit.examples.plugin;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Message;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;

/**
 * Route {@code reverse}: answers each message with its UTF-8 payload reversed ({@code "abc"} becomes
 * {@code "cba"}), character by character, keeping surrogate pairs whole. Headers are copied to the reply.
 *
 * <p>A sample plug-in: the build packs this package with its
 * {@code META-INF/services/io.streamkit.server.handler.MessageHandler} file into
 * {@code streamkit-examples-<version>-reverse-plugin.jar}; a server started with {@code --plugins DIR} finds it
 * there with {@link java.util.ServiceLoader}. The server creates the one instance (public no-argument
 * constructor) and keeps it for its lifetime.
 *
 * <p>Thread-safe: stateless, so one instance serves every stream. It never blocks, so it carries no
 * {@link io.streamkit.server.handler.Blocking} annotation and runs on the transport thread.
 */
public final class ReverseHandler implements MessageHandler {
  /** The route this handler serves. */
  public static final String ROUTE = "reverse";

  /** Called by {@link java.util.ServiceLoader}, or by code that registers the handler by hand. */
  public ReverseHandler() {}

  @Override
  public String route() {
    return ROUTE;
  }

  @Override
  public void onMessage(StreamContext context, Message message) {
    String reversed = new StringBuilder(message.getPayload().toStringUtf8()).reverse().toString();
    context.reply(
        message,
        Message.newBuilder()
            .setPayload(ByteString.copyFromUtf8(reversed))
            .putAllHeaders(message.getHeadersMap())
            .build());
  }
}
