package io.streamkit.server.internal.handlers;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Message;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;

/**
 * Built-in route {@code greeter}, behind example.Greeter/Chat: answers "Received: " + content, the behaviour of
 * the Go service StreamKit's Greeter contract is compatible with. Stateless, thread-safe.
 */
public final class GreeterHandler implements MessageHandler {
  public static final String ROUTE = "greeter";
  private static final ByteString PREFIX = ByteString.copyFromUtf8("Received: ");

  @Override
  public String route() {
    return ROUTE;
  }

  @Override
  public void onMessage(StreamContext context, Message message) {
    context.reply(
        message,
        Message.newBuilder().setRoute(ROUTE).setPayload(PREFIX.concat(message.getPayload())).build());
  }
}
