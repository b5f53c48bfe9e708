package io.streamkit.server;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.server.handler.Blocking;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Handlers the scenario tests plug into a server. */
final class TestHandlers {
  private TestHandlers() {}

  static Message msg(String id, String route, String payload) {
    return Message.newBuilder().setId(id).setRoute(route).setPayload(ByteString.copyFromUtf8(payload)).build();
  }

  /** Route {@code boom}: throws for payload "fail", echoes otherwise. */
  static final class FailingHandler implements MessageHandler {
    @Override
    public String route() {
      return "boom";
    }

    @Override
    public void onMessage(StreamContext context, Message message) {
      if (message.getPayload().toStringUtf8().equals("fail")) {
        throw new IllegalStateException("secret internal detail");
      }
      context.reply(message, Message.newBuilder().setPayload(message.getPayload()).build());
    }
  }

  /** Records its lifecycle calls and the thread of each; replies with the thread name. */
  static class Recording implements MessageHandler {
    final String route;
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Status> closeStatuses = new CopyOnWriteArrayList<>();
    final List<Boolean> cancelledAtClose = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    Recording(String route) {
      this.route = route;
    }

    @Override
    public String route() {
      return route;
    }

    @Override
    public void onOpen(StreamContext context) {
      events.add("open");
    }

    @Override
    public void onMessage(StreamContext context, Message message) throws Exception {
      threads.add(Thread.currentThread().getName());
      events.add("message " + message.getId());
      context.reply(message, Message.newBuilder().setPayload(
          ByteString.copyFromUtf8(Thread.currentThread().getName())).build());
    }

    @Override
    public void onClose(StreamContext context, Status status) {
      events.add("close " + status.getCode());
      closeStatuses.add(status);
      cancelledAtClose.add(context.isCancelled());
      if (status.isOk()) {
        context.send(Message.newBuilder().setRoute(route).setPayload(ByteString.copyFromUtf8("bye")).build());
      }
    }
  }

  /** A blocking route: its callbacks run on the server's blocking executor. */
  @Blocking
  static final class BlockingRecording extends Recording {
    BlockingRecording(String route) {
      super(route);
    }
  }
}
