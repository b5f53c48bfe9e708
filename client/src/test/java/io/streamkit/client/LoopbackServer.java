package io.streamkit.client;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.api.v1.Error;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A plain grpc-java server on 127.0.0.1 and an ephemeral port, started before and stopped after each
 * test, with clients made by {@link #newClient} closed after the test too.
 *
 * <p>StreamService.Chat routes: {@code echo} replies with the same payload and headers;
 * {@code delay} does so after {@code delay-ms} (a header) milliseconds; {@code never} never replies;
 * {@code flood} sends echo replies for as long as the stream is ready, until cancelled; {@code fail}
 * ends the stream with UNAVAILABLE; {@code complete} ends it with OK; any other route gets an error reply with code
 * 12 (UNIMPLEMENTED).
 * Greeter.Chat replies "Received: " + content and completes when the client half-closes.
 *
 * <p>{@link #stopReading()} makes streams opened afterwards request no inbound message at all, so the
 * client's sends back up (HTTP/2 flow control, window {@link #FLOW_CONTROL_WINDOW}).
 */
final class LoopbackServer implements BeforeEachCallback, AfterEachCallback {
  /** Fixed, not auto-tuned, so the number of messages that fit before backpressure is predictable. */
  static final int FLOW_CONTROL_WINDOW = 64 * 1024;

  private final AtomicInteger received = new AtomicInteger();
  private final AtomicInteger cancellations = new AtomicInteger();
  private final Semaphore cancelled = new Semaphore(0);
  private final List<StreamKitClient> clients = new ArrayList<>();
  private final List<ServerCallStreamObserver<Message>> paused = new ArrayList<>(); // guarded by itself
  private volatile boolean reading = true;
  private ScheduledExecutorService scheduler;
  private Server server;

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .directExecutor()
        .flowControlWindow(FLOW_CONTROL_WINDOW)
        .addService(new Chat())
        .addService(new Greeter())
        .build()
        .start();
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    clients.forEach(StreamKitClient::close);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    scheduler.shutdownNow();
  }

  String target() {
    return "127.0.0.1:" + server.getPort();
  }

  StreamKitClient newClient() {
    return newClient(UnaryOperator.identity());
  }

  StreamKitClient newClient(UnaryOperator<StreamKitClient.Builder> options) {
    StreamKitClient client = options.apply(StreamKitClient.builder().target(target())).build();
    clients.add(client);
    return client;
  }

  /**
   * A client whose connection is already up (after one Greeter round trip, which Chat counters do not
   * see), so that a sender that waits is waiting for the server, not for the connection.
   */
  StreamKitClient newConnectedClient() throws InterruptedException, TimeoutException {
    return newConnectedClient(UnaryOperator.identity());
  }

  StreamKitClient newConnectedClient(UnaryOperator<StreamKitClient.Builder> options)
      throws InterruptedException, TimeoutException {
    StreamKitClient client = newClient(options);
    try (BidiStream<MessageRequest, MessageResponse> greeter = client.bidi(GreeterGrpc.getChatMethod())) {
      greeter.send(MessageRequest.newBuilder().setContent("warm-up").build());
      greeter.receive(Duration.ofSeconds(5));
    }
    return client;
  }

  /** Streams opened from now on never read an inbound message. */
  void stopReading() {
    reading = false;
  }

  /** New streams read again, and streams that were not reading start to. */
  void resumeReading() {
    reading = true;
    synchronized (paused) {
      paused.forEach(out -> out.request(1));
      paused.clear();
    }
  }

  /** Inbound Chat messages the server has read, over all streams. */
  int received() {
    return received.get();
  }

  /** Calls the server saw cancelled by the client. */
  int cancellations() {
    return cancellations.get();
  }

  /** Waits until the server has seen {@code count} cancellations in all. */
  boolean awaitCancellations(int count, Duration timeout) throws InterruptedException {
    if (!cancelled.tryAcquire(count, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return false;
    }
    cancelled.release(count);
    return true;
  }

  private void onCancel() {
    cancellations.incrementAndGet();
    cancelled.release();
  }

  private final class Chat extends StreamServiceGrpc.StreamServiceImplBase {
    @Override
    public StreamObserver<Message> chat(StreamObserver<Message> responses) {
      ServerCallStreamObserver<Message> out = (ServerCallStreamObserver<Message>) responses;
      ChatStream stream = new ChatStream(out);
      out.disableAutoRequest();
      out.setOnCancelHandler(LoopbackServer.this::onCancel);
      out.setOnReadyHandler(stream::pump);
      if (reading) {
        out.request(1);
      } else {
        synchronized (paused) {
          paused.add(out);
        }
      }
      return stream;
    }
  }

  /** One Chat stream. Replies may come from the event loop and the scheduler, so writes synchronize. */
  private final class ChatStream implements StreamObserver<Message> {
    private final ServerCallStreamObserver<Message> out;
    private boolean done; // guarded by out
    private Message flood; // guarded by out

    ChatStream(ServerCallStreamObserver<Message> out) {
      this.out = out;
    }

    @Override
    public void onNext(Message request) {
      received.incrementAndGet();
      switch (request.getRoute()) {
        case "echo" -> reply(echo(request));
        case "never" -> { }
        case "delay" -> scheduler.schedule(() -> reply(echo(request)),
            Long.parseLong(request.getHeadersOrThrow("delay-ms")), TimeUnit.MILLISECONDS);
        case "flood" -> {
          synchronized (out) {
            flood = echo(request);
          }
          pump();
        }
        case "complete" -> {
          synchronized (out) {
            if (!done) {
              done = true;
              out.onCompleted();
            }
          }
        }
        case "fail" -> {
          synchronized (out) {
            if (!done) {
              done = true;
              out.onError(Status.UNAVAILABLE.withDescription("test server failed the stream")
                  .asRuntimeException());
            }
          }
        }
        default -> reply(Message.newBuilder()
            .setCorrelationId(request.getId())
            .setRoute(request.getRoute())
            .setError(Error.newBuilder().setCode(Status.Code.UNIMPLEMENTED.value())
                .setMessage("no handler for route '" + request.getRoute() + "'"))
            .build());
      }
      synchronized (out) {
        if (!done) {
          out.request(1);
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      // The client cancelled: counted by the cancel handler; nothing to answer.
    }

    @Override
    public void onCompleted() {
      synchronized (out) {
        if (!done) {
          done = true;
          out.onCompleted();
        }
      }
    }

    void pump() {
      synchronized (out) {
        while (flood != null && !done && !out.isCancelled() && out.isReady()) {
          out.onNext(flood);
        }
      }
    }

    private void reply(Message reply) {
      synchronized (out) {
        if (!done && !out.isCancelled()) {
          out.onNext(reply);
        }
      }
    }

    private Message echo(Message request) {
      return Message.newBuilder()
          .setId("re-" + request.getId())
          .setRoute(request.getRoute())
          .setPayload(request.getPayload())
          .putAllHeaders(request.getHeadersMap())
          .setCorrelationId(request.getId())
          .build();
    }
  }

  private static final class Greeter extends GreeterGrpc.GreeterImplBase {
    @Override
    public StreamObserver<MessageRequest> chat(StreamObserver<MessageResponse> responses) {
      return new StreamObserver<>() {
        @Override
        public void onNext(MessageRequest request) {
          responses.onNext(MessageResponse.newBuilder().setReply("Received: " + request.getContent()).build());
        }

        @Override
        public void onError(Throwable t) {
          // The client cancelled; nothing to answer.
        }

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      };
    }
  }
}
