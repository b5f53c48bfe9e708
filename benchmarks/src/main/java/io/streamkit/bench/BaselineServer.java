package io.streamkit.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The baselines every StreamKit figure is divided by: plain grpc-java with generated stubs and no StreamKit code,
 * serving the same wire contract ({@code example.Greeter/Chat}, {@code streamkit.v1.StreamService}) so that one
 * load tool drives both.
 *
 * <ul>
 *   <li>Greeter.Chat and StreamService.Chat echo: hand-tuned, the best plain grpc-java: {@code directExecutor()},
 *       manual inbound flow control (8 ahead, one more per message answered) and replies written only while
 *       {@code isReady()}, the rest queued and written from {@code onReady}.
 *   <li>Subscribe with {@code after_offset} set: unconstrained server streaming, synthetic events written while
 *       {@code isReady()}, offsets after_offset + 1, + 2, ... until the client cancels.
 *   <li>Subscribe live (no {@code after_offset}) and Publish: the naive fan-out: each published event is built
 *       once as an {@link Event} object and handed to every subscriber's {@link StreamObserver#onNext}, in a loop,
 *       on the publisher's thread (so grpc-java encodes it once per subscriber and buffers what a slow subscriber
 *       does not read).
 * </ul>
 *
 * <p>Created with {@link #start(String, int)}; the caller closes it. Thread-safe.
 */
final class BaselineServer implements AutoCloseable {
  private final Server server;

  private BaselineServer(Server server) {
    this.server = server;
  }

  static BaselineServer start(String host, int port) throws IOException {
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .directExecutor()
        .addService(new Greeter())
        .addService(new Streams())
        .build()
        .start();
    return new BaselineServer(server);
  }

  int port() {
    return server.getPort();
  }

  void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  static final class Greeter extends GreeterGrpc.GreeterImplBase {
    @Override
    public StreamObserver<MessageRequest> chat(StreamObserver<MessageResponse> responses) {
      return new Echo<>(
          (ServerCallStreamObserver<MessageResponse>) responses,
          request -> MessageResponse.newBuilder().setReply("Received: " + request.getContent()).build());
    }
  }

  static final class Streams extends StreamServiceGrpc.StreamServiceImplBase {
    private final Map<String, CopyOnWriteArrayList<StreamObserver<Event>>> subscribers = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> offsets = new ConcurrentHashMap<>();

    @Override
    public StreamObserver<Message> chat(StreamObserver<Message> responses) {
      return new Echo<>(
          (ServerCallStreamObserver<Message>) responses,
          request -> Message.newBuilder()
              .setRoute(request.getRoute())
              .setCorrelationId(request.getId())
              .setPayload(request.getPayload())
              .putAllHeaders(request.getHeadersMap())
              .build());
    }

    @Override
    public void subscribe(SubscribeRequest request, StreamObserver<Event> responses) {
      ServerCallStreamObserver<Event> call = (ServerCallStreamObserver<Event>) responses;
      TopicSubscription first = request.getTopics(0);
      if (first.hasAfterOffset()) {
        new Synthetic(call, first.getTopic(), first.getAfterOffset()).start();
        return;
      }
      for (TopicSubscription t : request.getTopicsList()) {
        CopyOnWriteArrayList<StreamObserver<Event>> list =
            subscribers.computeIfAbsent(t.getTopic(), k -> new CopyOnWriteArrayList<>());
        list.add(responses);
        call.setOnCancelHandler(() -> list.remove(responses));
      }
    }

    @Override
    public StreamObserver<PublishRequest> publish(StreamObserver<PublishAck> ack) {
      return new StreamObserver<>() {
        private long count;
        private final Map<String, Long> last = new HashMap<>();

        @Override
        public void onNext(PublishRequest request) {
          long offset = offsets.computeIfAbsent(request.getTopic(), k -> new AtomicLong()).incrementAndGet();
          Instant now = Instant.now();
          Event event = Event.newBuilder()
              .setTopic(request.getTopic())
              .setOffset(offset)
              .setEpoch("baseline")
              .setPayload(request.getPayload())
              .putAllHeaders(request.getHeadersMap())
              .setPublishedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
              .build();
          for (StreamObserver<Event> subscriber :
              subscribers.getOrDefault(request.getTopic(), new CopyOnWriteArrayList<>())) {
            try {
              subscriber.onNext(event);
            } catch (RuntimeException e) {
              // A subscriber cancelled between the list read and the send: the naive loop skips it.
            }
          }
          count++;
          last.put(request.getTopic(), offset);
        }

        @Override
        public void onError(Throwable t) {
          // The publisher went away; nothing to answer.
        }

        @Override
        public void onCompleted() {
          ack.onNext(PublishAck.newBuilder().setCount(count).putAllLastOffsets(last).build());
          ack.onCompleted();
        }
      };
    }
  }

  /** Echo with manual flow control: reads 8 ahead, writes only while ready, holds credits while replies wait. */
  private static final class Echo<Req, Resp> implements StreamObserver<Req> {
    private final ServerCallStreamObserver<Resp> call;
    private final Function<Req, Resp> reply;
    private final ArrayDeque<Resp> pending = new ArrayDeque<>();
    private boolean halfClosed;
    private boolean done;

    Echo(ServerCallStreamObserver<Resp> call, Function<Req, Resp> reply) {
      this.call = call;
      this.reply = reply;
      call.disableAutoRequest();
      call.setOnReadyHandler(this::drain);
      call.request(8);
    }

    @Override
    public void onNext(Req request) {
      // directExecutor: every callback of this call runs on its transport thread, one at a time; no lock needed.
      Resp response = reply.apply(request);
      if (pending.isEmpty() && call.isReady()) {
        call.onNext(response);
        call.request(1);
      } else {
        pending.add(response);
      }
    }

    private void drain() {
      while (!pending.isEmpty() && call.isReady()) {
        call.onNext(pending.poll());
        call.request(1);
      }
      if (pending.isEmpty() && halfClosed && !done) {
        done = true;
        call.onCompleted();
      }
    }

    @Override
    public void onError(Throwable t) {
      pending.clear();
      done = true;
    }

    @Override
    public void onCompleted() {
      halfClosed = true;
      drain();
    }
  }

  /** Server streaming at full speed: builds and writes events while the call is ready. */
  private static final class Synthetic {
    private final ServerCallStreamObserver<Event> call;
    private final String topic;
    private final ByteString payload;
    private long offset;
    private boolean cancelled;

    Synthetic(ServerCallStreamObserver<Event> call, String topic, long afterOffset) {
      this.call = call;
      this.topic = topic;
      this.offset = afterOffset;
      this.payload = ByteString.copyFrom(new byte[payloadSize(topic)]);
    }

    /** The load tool names server-stream topics {@code <name>.<payload bytes>}; StreamKit's events carry what was published. */
    private static int payloadSize(String topic) {
      try {
        return Integer.parseInt(topic.substring(topic.lastIndexOf('.') + 1));
      } catch (NumberFormatException e) {
        return 32;
      }
    }

    void start() {
      call.setOnCancelHandler(() -> cancelled = true);
      call.setOnReadyHandler(this::drain);
      drain();
    }

    private void drain() {
      while (!cancelled && call.isReady()) {
        Instant now = Instant.now();
        call.onNext(Event.newBuilder()
            .setTopic(topic)
            .setOffset(++offset)
            .setEpoch("baseline")
            .setPayload(payload)
            .setPublishedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
            .build());
      }
    }
  }
}
