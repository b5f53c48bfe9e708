package io.streamkit.server.internal.handlers;

import io.streamkit.api.v1.Message;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;

/** Built-in route {@code echo}: replies with the request's payload and headers. Stateless, thread-safe. */
public final class EchoHandler implements MessageHandler {
  public static final String ROUTE = "echo";

  @Override
  public String route() {
    return ROUTE;
  }

  @Override
  public void onMessage(StreamContext context, Message message) {
    context.reply(
        message,
        Message.newBuilder()
            .setRoute(ROUTE)
            .setCorrelationId(message.getId())
            .setPayload(message.getPayload())
            .putAllHeaders(message.getHeadersMap())
            .build());
  }
}
