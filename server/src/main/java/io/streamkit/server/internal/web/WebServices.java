package io.streamkit.server.internal.web;

import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The methods the HTTP port can reach: every method of the server's service definitions, exactly as the gRPC port
 * serves them (with their interceptors), by full name. Immutable after construction; thread-safe.
 */
final class WebServices {
  static final String SUBSCRIBE = "streamkit.v1.StreamService/Subscribe";

  private final Map<String, ServerMethodDefinition<?, ?>> methods = new HashMap<>();
  private final Map<String, MessageCodec<?, ?>> codecs = new ConcurrentHashMap<>();

  WebServices(List<ServerServiceDefinition> services) {
    for (ServerServiceDefinition service : services) {
      for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
        methods.put(method.getMethodDescriptor().getFullMethodName(), method);
      }
    }
  }

  /** The method at {@code fullName}, or null. */
  ServerMethodDefinition<?, ?> method(String fullName) {
    return methods.get(fullName);
  }

  static boolean servable(MethodDescriptor<?, ?> method) {
    return method.getType() == MethodDescriptor.MethodType.UNARY
        || method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
  }

  @SuppressWarnings("unchecked")
  <ReqT, RespT> MessageCodec<ReqT, RespT> codec(ServerMethodDefinition<ReqT, RespT> method) {
    return (MessageCodec<ReqT, RespT>) codecs.computeIfAbsent(method.getMethodDescriptor().getFullMethodName(),
        name -> new MessageCodec<>(method.getMethodDescriptor()));
  }
}
