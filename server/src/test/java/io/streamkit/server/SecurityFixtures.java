package io.streamkit.server;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContextBuilder;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import io.streamkit.testing.TestPki;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** What the security scenario tests share: a handler that says who called, a counting broker, channels. */
final class SecurityFixtures {
  static final Duration WAIT = Duration.ofSeconds(10);

  private SecurityFixtures() {}

  /** Route {@code whoami}: replies "name (scheme)" of the stream's principal, or "anonymous"; counts opens. */
  static final class WhoAmI implements MessageHandler {
    final AtomicInteger opens = new AtomicInteger();

    @Override
    public String route() {
      return "whoami";
    }

    @Override
    public void onOpen(StreamContext context) {
      opens.incrementAndGet();
    }

    @Override
    public void onMessage(StreamContext context, Message message) {
      String who = context.principal().map(p -> p.name() + " (" + p.scheme() + ")").orElse("anonymous");
      context.reply(message, Message.newBuilder().setPayload(ByteString.copyFromUtf8(who)).build());
    }
  }

  /** An in-memory broker that counts what reached it. */
  static final class CountingBroker implements Broker {
    final InMemoryBroker delegate = InMemoryBroker.builder().build();
    final AtomicInteger subscribes = new AtomicInteger();
    final AtomicInteger publishes = new AtomicInteger();

    @Override
    public CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers) {
      publishes.incrementAndGet();
      return delegate.publish(topic, payload, headers);
    }

    @Override
    public BrokerSubscription subscribe(String topic, Position position, EventSink sink) {
      subscribes.incrementAndGet();
      return delegate.subscribe(topic, position, sink);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  /** {@code channel} sending {@code authorization: Bearer <token>} on every call. */
  static Channel withToken(Channel channel, String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** A TLS channel to 127.0.0.1 trusting {@code pki}'s CA, presenting {@code client} when not null. */
  static ManagedChannel tlsChannel(int port, TestPki pki, TestPki.Issued client) throws Exception {
    SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(pki.caCertificate().toFile());
    if (client != null) {
      ssl.keyManager(client.certificate().toFile(), client.key().toFile());
    }
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .negotiationType(NegotiationType.TLS)
        .sslContext(ssl.build())
        .directExecutor()
        .build();
  }

  /** Sends {@code messages} on one Chat stream, half-closes, and waits for its end. */
  static RecordingObserver<Message> chat(Channel channel, Message... messages) throws InterruptedException {
    RecordingObserver<Message> replies = new RecordingObserver<>();
    StreamObserver<Message> requests = StreamServiceGrpc.newStub(channel).chat(replies);
    for (Message m : messages) {
      requests.onNext(m);
    }
    requests.onCompleted();
    replies.awaitStatus(WAIT);
    return replies;
  }

  static List<String> payloads(RecordingObserver<Message> replies) {
    return replies.values.stream().map(m -> m.getPayload().toStringUtf8()).toList();
  }
}
