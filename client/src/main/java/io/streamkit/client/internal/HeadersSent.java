package io.streamkit.client.internal;

import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;

/**
 * Tells when a call reached the network: its request headers were written to a transport. A call failed before
 * that (no connection, or held in gRPC's buffer past the server's stream limit) sent nothing at all.
 *
 * <p>Thread-safe (stateless).
 */
final class HeadersSent {
  private HeadersSent() {}

  /** A tracer factory for {@code CallOptions.withStreamTracerFactory} that runs {@code action} on each write. */
  static ClientStreamTracer.Factory then(Runnable action) {
    return new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
        return new ClientStreamTracer() {
          @Override
          public void outboundHeaders() {
            action.run();
          }
        };
      }
    };
  }
}
