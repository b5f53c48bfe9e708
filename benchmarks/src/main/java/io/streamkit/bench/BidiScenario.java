package io.streamkit.bench;

import com.google.protobuf.ByteString;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code bidi-throughput}, {@code ping-pong} and {@code large}: S bidi streams, each keeping W messages of B bytes
 * in flight against Greeter.Chat or StreamService.Chat {@code echo}; every reply sends the next message. Reports
 * replies per second, MB/s of echoed payload and the round-trip latency percentiles. Every reply is compared with
 * what was sent (Greeter: {@code "Received: " + content}; Chat: the same payload, no error): a wrong reply, like a
 * failed stream, counts in {@code errors}.
 */
final class BidiScenario {
  private BidiScenario() {}

  static Result run(String name, LoadOptions o) throws Exception {
    Recorder latency = new Recorder(3);
    Phase phase = new Phase(o.serverPid);
    AtomicLong errors = new AtomicLong();
    List<EchoStream<?, ?>> streams = new ArrayList<>();
    try (Clients clients = new Clients(o, Math.min(o.connections, o.streams))) {
      for (int i = 0; i < o.streams; i++) {
        EchoStream<?, ?> s;
        if (o.service.equals("greeter")) {
          MessageRequest request = MessageRequest.newBuilder().setContent(ascii(o.payload)).build();
          EchoStream<MessageRequest, MessageResponse> g = new EchoStream<>(request, o.window, phase, latency, errors,
              greeterReplyIsWrong(request));
          GreeterGrpc.newStub(clients.get(i)).chat(g);
          s = g;
        } else if (o.service.equals("chat")) {
          Message request = Message.newBuilder()
              .setId("1")
              .setRoute("echo")
              .setPayload(ByteString.copyFrom(new byte[o.payload]))
              .build();
          EchoStream<Message, Message> c =
              new EchoStream<>(request, o.window, phase, latency, errors, chatReplyIsWrong(request));
          StreamServiceGrpc.newStub(clients.get(i)).chat(c);
          s = c;
        } else {
          throw new IllegalArgumentException("--service: '" + o.service + "' (expected: greeter or chat)");
        }
        streams.add(s);
      }
      streams.forEach(EchoStream::start);
      double rate = phase.measure(o.warmup, o.duration, () -> streams.stream().mapToLong(EchoStream::received).sum());
      phase.stopped = true;
      streams.forEach(EchoStream::cancel);
      Histogram h = latency.getIntervalHistogram();
      Result r = new Result(name)
          .note("service", o.service)
          .put("streams", o.streams)
          .put("window", o.window)
          .put("payload_bytes", o.payload)
          .put("msgs_per_s", Math.round(rate))
          .put("mb_per_s", rate * o.payload / 1e6)
          .put("p50_us", h.getValueAtPercentile(50) / 1e3)
          .put("p90_us", h.getValueAtPercentile(90) / 1e3)
          .put("p99_us", h.getValueAtPercentile(99) / 1e3)
          .put("p999_us", h.getValueAtPercentile(99.9) / 1e3)
          .put("errors", errors.get() + streams.stream().filter(EchoStream::failed).count());
      return phase.cpuPerOp(r);
    }
  }

  /** Greeter.Chat answers {@code "Received: " + content}: any other reply is wrong. */
  static Function<MessageResponse, Boolean> greeterReplyIsWrong(MessageRequest sent) {
    String expected = "Received: " + sent.getContent();
    return reply -> !reply.getReply().equals(expected);
  }

  /** StreamService.Chat's {@code echo} route answers with the payload it got: an error or other bytes are wrong. */
  static Function<Message, Boolean> chatReplyIsWrong(Message sent) {
    return reply -> reply.hasError() || !reply.getPayload().equals(sent.getPayload());
  }

  static String ascii(int n) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) 'x');
    return new String(b, StandardCharsets.US_ASCII);
  }

  /**
   * One stream keeping {@code window} requests in flight. Replies arrive in order, so the send time of reply n
   * is in slot n % window. The lock serializes the first burst (caller's thread) with sends from replies (the
   * transport thread), because a ClientCall is not thread-safe.
   */
  private static final class EchoStream<Req, Resp> implements ClientResponseObserver<Req, Resp> {
    private final Req request;
    private final long[] sentAt;
    private final Phase phase;
    private final Recorder latency;
    private final AtomicLong errors;
    private final Function<Resp, Boolean> isWrong;
    private ClientCallStreamObserver<Req> out;
    private long sent;
    private volatile long received;
    private volatile boolean failed;

    EchoStream(Req request, int window, Phase phase, Recorder latency, AtomicLong errors, Function<Resp, Boolean> isWrong) {
      this.request = request;
      this.sentAt = new long[window];
      this.phase = phase;
      this.latency = latency;
      this.errors = errors;
      this.isWrong = isWrong;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Req> requestStream) {
      this.out = requestStream;
    }

    synchronized void start() {
      for (int i = 0; i < sentAt.length; i++) {
        send();
      }
    }

    private void send() {
      sentAt[(int) (sent % sentAt.length)] = System.nanoTime();
      sent++;
      out.onNext(request);
    }

    @Override
    public synchronized void onNext(Resp value) {
      long now = System.nanoTime();
      long n = received;
      long at = sentAt[(int) (n % sentAt.length)];
      received = n + 1;
      if (isWrong.apply(value)) {
        errors.incrementAndGet();
      }
      if (phase.measuring) {
        latency.recordValue(now - at);
      }
      if (!phase.stopped) {
        send();
      }
    }

    long received() {
      return received;
    }

    boolean failed() {
      return failed;
    }

    synchronized void cancel() {
      out.cancel("benchmark over", null);
    }

    @Override
    public void onError(Throwable t) {
      if (!phase.stopped) {
        failed = true;
        System.err.println("stream failed: " + t);
      }
    }

    @Override
    public void onCompleted() {}
  }
}
