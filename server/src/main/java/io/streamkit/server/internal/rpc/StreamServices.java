package io.streamkit.server.internal.rpc;

import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.server.internal.handlers.GreeterWire;

/** Builds the service definitions the server exposes. */
public final class StreamServices {
  private StreamServices() {}

  /**
   * The server side of Subscribe: the generated descriptor's name and request type, with a response marshaller
   * that writes each event's pre-encoded bytes (identical on the wire to the generated one).
   */
  static final MethodDescriptor<SubscribeRequest, TopicEvent> SUBSCRIBE =
      StreamServiceGrpc.getSubscribeMethod().toBuilder(
              StreamServiceGrpc.getSubscribeMethod().getRequestMarshaller(), EventWireMarshaller.INSTANCE)
          .build();

  /**
   * streamkit.v1.StreamService: Chat and Call through the handler machinery; Subscribe, Publish and PublishEvent on
   * the broker.
   */
  public static ServerServiceDefinition streamService(ServerContext config) {
    ServiceDescriptor descriptor = descriptor(StreamServiceGrpc.getServiceDescriptor(),
        StreamServiceGrpc.getChatMethod(), SUBSCRIBE, StreamServiceGrpc.getPublishMethod(),
        StreamServiceGrpc.getCallMethod(), StreamServiceGrpc.getPublishEventMethod());
    // Undecodable request bytes end their stream with INVALID_ARGUMENT (see MalformedRequests).
    return MalformedRequests.tolerant(ServerServiceDefinition.builder(descriptor)
        .addMethod(StreamServiceGrpc.getChatMethod(), chatHandler(true, config))
        .addMethod(SUBSCRIBE, (call, headers) -> {
          SubscribeCall subscribe = new SubscribeCall(call, headers, config);
          subscribe.start();
          return subscribe;
        })
        .addMethod(StreamServiceGrpc.getPublishMethod(), (call, headers) -> {
          PublishCall publish = new PublishCall(call, headers, config);
          publish.start();
          return publish;
        })
        .addMethod(StreamServiceGrpc.getCallMethod(), (call, headers) -> {
          UnaryCall unary = new UnaryCall(call, headers, config);
          unary.start();
          return unary;
        })
        .addMethod(StreamServiceGrpc.getPublishEventMethod(),
            ServerCalls.asyncUnaryCall(new PublishEventMethod(config.broker(), config.security())))
        .build());
  }

  /**
   * example.Greeter: Chat served by the built-in {@code greeter} route, with marshallers that map its wire types
   * straight to and from Message (see {@link GreeterWire}). Its responses have no error field: an error reply
   * ends the stream with its status, reason included.
   */
  public static ServerServiceDefinition greeter(ServerContext config) {
    ServiceDescriptor descriptor = descriptor(GreeterGrpc.getServiceDescriptor(), GreeterWire.CHAT);
    return MalformedRequests.tolerant(ServerServiceDefinition.builder(descriptor)
        .addMethod(GreeterWire.CHAT, chatHandler(false, config))
        .build());
  }

  /** {@code generated}'s name and schema (which keeps server reflection complete) with {@code methods}. */
  private static ServiceDescriptor descriptor(ServiceDescriptor generated, MethodDescriptor<?, ?>... methods) {
    ServiceDescriptor.Builder b =
        ServiceDescriptor.newBuilder(generated.getName()).setSchemaDescriptor(generated.getSchemaDescriptor());
    for (MethodDescriptor<?, ?> method : methods) {
      b.addMethod(method);
    }
    return b.build();
  }

  /** @param perMessageErrors whether the method's responses carry {@code Message.error} (see {@link ChatStream}) */
  private static ServerCallHandler<Message, Message> chatHandler(boolean perMessageErrors, ServerContext config) {
    return (call, headers) -> {
      ChatStream chat = new ChatStream(call, headers, perMessageErrors, config);
      chat.start();
      return chat;
    };
  }
}
