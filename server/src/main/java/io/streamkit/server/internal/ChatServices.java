package io.streamkit.server.internal;

import com.google.protobuf.MessageLite;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.server.broker.TopicEvent;

/** Builds the service definitions the server exposes. */
public final class ChatServices {
  private ChatServices() {}

  /**
   * The server side of Subscribe: the generated descriptor's name and request type, with a response marshaller
   * that writes each event's pre-encoded bytes (identical on the wire to the generated one).
   */
  static final MethodDescriptor<SubscribeRequest, TopicEvent> SUBSCRIBE =
      StreamServiceGrpc.getSubscribeMethod().toBuilder(
              StreamServiceGrpc.getSubscribeMethod().getRequestMarshaller(), EventWireMarshaller.INSTANCE)
          .build();

  /**
   * streamkit.v1.StreamService: Chat through the handler machinery; Subscribe and Publish on the broker. Every
   * method is registered through {@link MalformedRequests}, so undecodable request bytes end the stream with
   * INVALID_ARGUMENT.
   */
  public static ServerServiceDefinition streamService(ChatConfig config) {
    ServiceDescriptor generated = StreamServiceGrpc.getServiceDescriptor();
    MethodDescriptor<Object, Message> chat = MalformedRequests.tolerant(StreamServiceGrpc.getChatMethod());
    MethodDescriptor<Object, TopicEvent> subscribe = MalformedRequests.tolerant(SUBSCRIBE);
    MethodDescriptor<Object, PublishAck> publish = MalformedRequests.tolerant(StreamServiceGrpc.getPublishMethod());
    ServiceDescriptor descriptor = ServiceDescriptor.newBuilder(generated.getName())
        .setSchemaDescriptor(generated.getSchemaDescriptor()) // keeps server reflection complete
        .addMethod(chat)
        .addMethod(subscribe)
        .addMethod(publish)
        .build();
    return ServerServiceDefinition.builder(descriptor)
        .addMethod(chat, MalformedRequests.handler(StreamServiceGrpc.getChatMethod(),
            chatHandler(WireAdapter.IDENTITY, config)))
        .addMethod(subscribe, MalformedRequests.handler(SUBSCRIBE, (call, headers) -> {
          SubscribeCall s = new SubscribeCall(call, config.broker(), config.registry());
          s.start();
          return s;
        }))
        .addMethod(publish, MalformedRequests.handler(StreamServiceGrpc.getPublishMethod(), (call, headers) -> {
          PublishCall p = new PublishCall(call, config.broker(), config.registry());
          p.start();
          return p;
        }))
        .build();
  }

  /** example.Greeter: Chat served by the built-in {@code greeter} route. */
  public static ServerServiceDefinition greeter(ChatConfig config) {
    ServiceDescriptor generated = GreeterGrpc.getServiceDescriptor();
    MethodDescriptor<Object, MessageResponse> chat = MalformedRequests.tolerant(GreeterGrpc.getChatMethod());
    ServiceDescriptor descriptor = ServiceDescriptor.newBuilder(generated.getName())
        .setSchemaDescriptor(generated.getSchemaDescriptor())
        .addMethod(chat)
        .build();
    return ServerServiceDefinition.builder(descriptor)
        .addMethod(chat, MalformedRequests.handler(GreeterGrpc.getChatMethod(),
            chatHandler(WireAdapter.GREETER, config)))
        .build();
  }

  private static <ReqT, RespT extends MessageLite> ServerCallHandler<ReqT, RespT> chatHandler(
      WireAdapter<ReqT, RespT> adapter, ChatConfig config) {
    return (call, headers) -> {
      ChatCall<ReqT, RespT> chat = new ChatCall<>(call, headers, adapter, config);
      chat.start();
      return chat;
    };
  }
}
