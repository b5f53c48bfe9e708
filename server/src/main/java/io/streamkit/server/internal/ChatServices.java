package io.streamkit.server.internal;

import com.google.protobuf.MessageLite;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.v1.StreamServiceGrpc;

/** Builds the service definitions the server exposes. */
public final class ChatServices {
  private ChatServices() {}

  /** streamkit.v1.StreamService: Chat through the handler machinery; Subscribe and Publish not yet served. */
  public static ServerServiceDefinition streamService(ChatConfig config) {
    return ServerServiceDefinition.builder(StreamServiceGrpc.getServiceDescriptor())
        .addMethod(StreamServiceGrpc.getChatMethod(), chatHandler(WireAdapter.IDENTITY, config))
        .addMethod(StreamServiceGrpc.getSubscribeMethod(), unimplemented(StreamServiceGrpc.getSubscribeMethod()))
        .addMethod(StreamServiceGrpc.getPublishMethod(), unimplemented(StreamServiceGrpc.getPublishMethod()))
        .build();
  }

  /** example.Greeter: Chat served by the built-in {@code greeter} route. */
  public static ServerServiceDefinition greeter(ChatConfig config) {
    return ServerServiceDefinition.builder(GreeterGrpc.getServiceDescriptor())
        .addMethod(GreeterGrpc.getChatMethod(), chatHandler(WireAdapter.GREETER, config))
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

  private static <ReqT, RespT> ServerCallHandler<ReqT, RespT> unimplemented(MethodDescriptor<ReqT, RespT> method) {
    return (ServerCall<ReqT, RespT> call, Metadata headers) -> {
      call.close(
          Status.UNIMPLEMENTED.withDescription(
              method.getFullMethodName() + " is not implemented by this server version"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    };
  }
}
