package io.streamkit.server.internal.rpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Requests whose bytes are not a valid message end their stream with INVALID_ARGUMENT naming the method and
 * the parse error, through the stream's own close path, so it is unregistered like any other ended stream.
 *
 * <p>Why: when a request marshaller throws, grpc-java answers {@code UNKNOWN: Application error processing
 * RPC}, which tells the client nothing it can act on. Here the marshaller never throws: it returns a {@link Malformed} marker that the listener
 * turns into the status. The server's threads and registry see the same sequence of callbacks as for any stream
 * the server ends itself.
 */
final class MalformedRequests {
  private MalformedRequests() {}

  /** What the tolerant marshaller returns for bytes the method's own marshaller rejects. */
  private record Malformed(RuntimeException cause) {}

  /**
   * {@code definition} with every method's request marshaller made tolerant: bytes its own marshaller rejects
   * end the stream with INVALID_ARGUMENT, reason REQUEST_MALFORMED. A listener that is a
   * {@link StreamRegistry.Closeable} ends its stream itself; for any other (a unary method's) the call is closed
   * here.
   */
  static ServerServiceDefinition tolerant(ServerServiceDefinition definition) {
    ServiceDescriptor original = definition.getServiceDescriptor();
    List<ServerMethodDefinition<Object, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : definition.getMethods()) {
      methods.add(tolerant(method));
    }
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName()).setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<Object, ?> method : methods) {
      descriptor.addMethod(method.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<Object, ?> method : methods) {
      out.addMethod(method);
    }
    return out.build();
  }

  private static <ReqT, RespT> ServerMethodDefinition<Object, RespT> tolerant(
      ServerMethodDefinition<ReqT, RespT> definition) {
    MethodDescriptor<ReqT, RespT> method = definition.getMethodDescriptor();
    return ServerMethodDefinition.create(
        method.toBuilder(lenient(method.getRequestMarshaller()), method.getResponseMarshaller()).build(),
        handler(method, definition.getServerCallHandler()));
  }

  /** A marshaller that returns a {@link Malformed} marker where {@code strict} throws. */
  private static <ReqT> MethodDescriptor.Marshaller<Object> lenient(MethodDescriptor.Marshaller<ReqT> strict) {
    return new MethodDescriptor.Marshaller<>() {
      @Override
      @SuppressWarnings("unchecked")
      public InputStream stream(Object value) {
        return strict.stream((ReqT) value); // server side: requests are only parsed, never written
      }

      @Override
      public Object parse(InputStream stream) {
        try {
          return strict.parse(stream);
        } catch (RuntimeException e) {
          return new Malformed(e);
        }
      }
    };
  }

  /**
   * The request's message type as the .proto file names it (a method whose marshaller does not produce the
   * generated type, such as Greeter's, keeps the generated schema), else the marshaller's class, else "request".
   */
  private static String requestTypeName(MethodDescriptor<?, ?> method) {
    if (method.getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier schema) {
      return schema.getMethodDescriptor().getInputType().getName();
    }
    return method.getRequestMarshaller() instanceof MethodDescriptor.ReflectableMarshaller<?> r
        ? r.getMessageClass().getSimpleName() : "request";
  }

  @SuppressWarnings("unchecked")
  private static <ReqT, RespT> ServerCallHandler<Object, RespT> handler(
      MethodDescriptor<ReqT, RespT> method, ServerCallHandler<ReqT, RespT> handler) {
    return (call, headers) -> {
      // Sound by erasure: a ServerCall never hands requests back, so its request type is only a label.
      ServerCall.Listener<ReqT> inner = handler.startCall((ServerCall<ReqT, RespT>) (ServerCall<?, RespT>) call,
          headers);
      return new ForwardingServerCallListener<Object>() {
        private boolean failed;

        @Override
        protected ServerCall.Listener<Object> delegate() {
          return (ServerCall.Listener<Object>) (ServerCall.Listener<?>) inner;
        }

        @Override
        public void onMessage(Object message) {
          if (failed) {
            return; // the stream is ending; nothing after a malformed request is looked at
          }
          if (message instanceof Malformed malformed) {
            failed = true;
            Status status = ErrorDetails.withReason(Status.INVALID_ARGUMENT.withDescription(
                    "a request of " + method.getFullMethodName() + " is not a valid " + requestTypeName(method)
                        + ": " + Status.fromThrowable(malformed.cause()).getDescription()
                        + " (expected: the bytes of one protobuf message)"),
                ErrorReason.REQUEST_MALFORMED, Map.of("method", method.getFullMethodName()));
            if (inner instanceof StreamRegistry.Closeable stream) {
              stream.abort(status);
            } else {
              // A unary method's listener (ServerCalls) has not touched the call before its half-close.
              call.close(status, ErrorDetails.trailers(status));
            }
            return;
          }
          super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
          if (!failed) {
            super.onHalfClose();
          }
        }
      };
    };
  }
}
