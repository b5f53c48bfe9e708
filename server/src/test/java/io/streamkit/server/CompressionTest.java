package io.streamkit.server;

import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A compressible 1 MiB payload echoed with and without gzip, measured in bytes on the wire. */
class CompressionTest {
  private static final String MIB_OF_TEXT =
      "StreamKit moves messages; the same words again and again compress well. ".repeat(14_600);

  @Test
  void gzipAskedPerCallShrinksTheWireBytesBothWays() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      Wire plain = echo(s, CallOptions.DEFAULT);
      Wire gzip = echo(s, CallOptions.DEFAULT.withCompression("gzip"));
      System.out.printf("1 MiB echo: identity %d B out / %d B in; gzip %d B out / %d B in%n",
          plain.out, plain.in, gzip.out, gzip.in);

      assertThat(plain.out).isGreaterThan(1_000_000);
      assertThat(plain.in).isGreaterThan(1_000_000);
      assertThat(gzip.out).isLessThan(plain.out / 20); // the request, compressed by the client
      assertThat(gzip.in).isLessThan(plain.in / 20); // the reply: the server answers gzip with gzip
    }
  }

  @Test
  void theServerWideDefaultCompressesRepliesToClientsThatDidNotAsk() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(
        b -> b.settings(o -> o.connection(ConnectionSettings.builder().compression("gzip").build())))) {
      Wire wire = echo(s, CallOptions.DEFAULT);

      assertThat(wire.out).isGreaterThan(1_000_000); // the client sent identity
      assertThat(wire.in).isLessThan(50_000); // yet the reply came compressed
    }
  }

  private record Wire(long out, long in) {}

  private static Wire echo(LoopbackServer s, CallOptions options) throws Exception {
    AtomicLong out = new AtomicLong();
    AtomicLong in = new AtomicLong();
    ClientStreamTracer.Factory counter = new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
        return new ClientStreamTracer() {
          @Override
          public void outboundWireSize(long bytes) {
            out.addAndGet(bytes);
          }

          @Override
          public void inboundWireSize(long bytes) {
            in.addAndGet(bytes);
          }
        };
      }
    };
    ClientCall<Message, Message> call =
        s.channel.newCall(StreamServiceGrpc.getChatMethod(), options.withStreamTracerFactory(counter));
    CompletableFuture<Message> reply = new CompletableFuture<>();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(Message message) {
        reply.complete(message);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(1);
    call.sendMessage(msg("1", "echo", MIB_OF_TEXT));
    call.halfClose();
    assertThat(reply.get(10, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo(MIB_OF_TEXT);
    assertThat(closed.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
    return new Wire(out.get(), in.get());
  }
}
