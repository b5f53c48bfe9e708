package io.streamkit.examples.redis;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A tiny command line for trying topics by hand, for example two server instances on one Redis (see
 * {@code docs/REDIS.md}). It needs only the server jar on the class path, so it runs as a single source file:
 *
 * <pre>
 * java -cp server-app/target/streamkit-server.jar examples/src/main/java/io/streamkit/examples/redis/TopicCli.java \
 *     publish 127.0.0.1:9091 news hello world
 * java -cp server-app/target/streamkit-server.jar examples/src/main/java/io/streamkit/examples/redis/TopicCli.java \
 *     subscribe 127.0.0.1:9092 news 0 [EPOCH] [COUNT]
 * </pre>
 *
 * {@code publish} sends each word as one event and prints the acknowledgement; {@code subscribe} prints
 * {@code topic offset epoch payload} per event, starting after the given offset ({@code live} for live only), and
 * stops after COUNT events when given.
 */
public final class TopicCli {
  private TopicCli() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3 || !(args[0].equals("publish") || args[0].equals("subscribe"))) {
      System.err.println("usage: publish HOST:PORT TOPIC WORD...  |  subscribe HOST:PORT TOPIC [AFTER|live] [EPOCH] [COUNT]");
      System.exit(2);
    }
    ManagedChannel channel = ManagedChannelBuilder.forTarget(args[1]).usePlaintext().build();
    try {
      if (args[0].equals("publish")) {
        publish(channel, args);
      } else {
        subscribe(channel, args);
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void publish(ManagedChannel channel, String[] args) throws Exception {
    CompletableFuture<PublishAck> ack = new CompletableFuture<>();
    StreamObserver<PublishRequest> requests = StreamServiceGrpc.newStub(channel).publish(new StreamObserver<>() {
      @Override
      public void onNext(PublishAck value) {
        ack.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        ack.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    });
    for (int i = 3; i < args.length; i++) {
      requests.onNext(PublishRequest.newBuilder().setTopic(args[2]).setPayload(ByteString.copyFromUtf8(args[i])).build());
    }
    requests.onCompleted();
    PublishAck a = ack.get(30, TimeUnit.SECONDS);
    System.out.println("published " + a.getCount() + " event(s); last offsets " + a.getLastOffsetsMap());
  }

  private static void subscribe(ManagedChannel channel, String[] args) {
    TopicSubscription.Builder topic = TopicSubscription.newBuilder().setTopic(args[2]);
    if (args.length > 3 && !args[3].equals("live")) {
      topic.setAfterOffset(Long.parseLong(args[3]));
    }
    if (args.length > 4) {
      topic.setEpoch(args[4]);
    }
    long count = args.length > 5 ? Long.parseLong(args[5]) : Long.MAX_VALUE;
    Iterator<Event> events = StreamServiceGrpc.newBlockingStub(channel)
        .subscribe(SubscribeRequest.newBuilder().addTopics(topic).build());
    for (long n = 0; n < count && events.hasNext(); n++) {
      Event e = events.next();
      System.out.println(e.getTopic() + " " + e.getOffset() + " " + e.getEpoch() + " " + e.getPayload().toStringUtf8());
    }
  }
}
