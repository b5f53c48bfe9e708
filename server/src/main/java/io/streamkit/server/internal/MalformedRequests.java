package io.streamkit.server.internal;

import io.grpc.ForwardingServerCallListener;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.io.InputStream;

/**
 * Requests whose bytes are not a valid message end their stream with INVALID_ARGUMENT naming the method and
 * the parse error, through the stream's own close path, so it is unregistered like any other ended stream.
 *
 * <p>Why: when a request marshaller throws, grpc-java answers {@code UNKNOWN: Application error processing
 * RPC}, which tells the client nothing, and on a server-streaming method whose client has not half-closed it
 * may not end the call at all (found by the reliability suite: the Subscribe stream stayed registered). Here
 * the marshaller never throws: it returns a {@link Malformed} marker that the listener turns into the status.
 */
final class MalformedRequests {
  private MalformedRequests() {}

  /** What the tolerant marshaller returns for bytes the method's own marshaller rejects. */
  private record Malformed(RuntimeException cause) {}

  /** {@code method} with a request marshaller that never throws; register it instead of {@code method}. */
  static <ReqT, RespT> MethodDescriptor<Object, RespT> tolerant(MethodDescriptor<ReqT, RespT> method) {
    MethodDescriptor.Marshaller<ReqT> strict = method.getRequestMarshaller();
    MethodDescriptor.Marshaller<Object> lenient = new MethodDescriptor.Marshaller<>() {
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
    return method.toBuilder(lenient, method.getResponseMarshaller()).build();
  }

  /**
   * Wraps {@code handler}, whose listeners must be {@link StreamRegistry.Closeable}, for the descriptor made by
   * {@link #tolerant}.
   */
  @SuppressWarnings("unchecked")
  static <ReqT, RespT> ServerCallHandler<Object, RespT> handler(
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
            String type = method.getRequestMarshaller() instanceof MethodDescriptor.ReflectableMarshaller<?> r
                ? r.getMessageClass().getSimpleName() : "request";
            ((StreamRegistry.Closeable) inner).abort(Status.INVALID_ARGUMENT.withDescription(
                "a request of " + method.getFullMethodName() + " is not a valid " + type + ": "
                    + Status.fromThrowable(malformed.cause()).getDescription()
                    + " (expected: the bytes of one protobuf message)"));
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
