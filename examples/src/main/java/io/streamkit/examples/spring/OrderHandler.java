package io.streamkit.examples.spring;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Route {@code orders}: publishes each order to the topic {@code orders}, then replies with the offset the broker
 * gave it. A Spring bean like any other; the starter registers every {@link MessageHandler} bean with the embedded
 * server. Thread-safe (stateless); runs on the transport thread and never blocks: the reply waits for the broker
 * asynchronously.
 */
@Component
public final class OrderHandler implements MessageHandler {
  static final String TOPIC = "orders";

  @Override
  public String route() {
    return "orders";
  }

  @Override
  public void onMessage(StreamContext context, Message order) {
    context.publish(TOPIC, order.getPayload(), Map.of("placed-by", "order-desk"))
        .whenComplete((published, failure) -> {
          if (failure != null) {
            context.reply(order, Message.newBuilder().setError(io.streamkit.api.v1.Error.newBuilder()
                .setCode(Status.Code.UNAVAILABLE.value()).setMessage("order not stored: " + failure.getMessage()))
                .build());
            return;
          }
          context.reply(order, Message.newBuilder()
              .setPayload(ByteString.copyFromUtf8("order #" + published.offset() + " accepted")).build());
        });
  }
}
