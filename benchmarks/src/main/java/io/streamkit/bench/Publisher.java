package io.streamkit.bench;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * One Publish call driven by its own thread: at a fixed rate, or (rate 0) as fast as the transport is ready while
 * at most {@code maxAhead} events are ahead of the subscribers' average. The payload's first 8 bytes are the
 * publisher's {@code System.nanoTime()}. Thread-confined to its thread; {@link #stop()} may be called from any thread.
 */
final class Publisher implements ClientResponseObserver<PublishRequest, PublishAck> {
  private final String topic;
  private final int payload;
  private final int rate;
  private final long maxAhead;
  private final LongSupplier averageDelivered;
  private final CompletableFuture<PublishAck> ack = new CompletableFuture<>();
  private final Thread thread;
  private ClientCallStreamObserver<PublishRequest> call;
  private volatile boolean stop;
  volatile long published;

  Publisher(Channel channel, String topic, int payload, int rate, long maxAhead, LongSupplier averageDelivered) {
    this.topic = topic;
    this.payload = Math.max(8, payload);
    this.rate = rate;
    this.maxAhead = maxAhead;
    this.averageDelivered = averageDelivered;
    StreamServiceGrpc.newStub(channel).publish(this);
    this.thread = new Thread(this::loop, "bench-publisher");
    thread.setDaemon(true);
  }

  Publisher start() {
    thread.start();
    return this;
  }

  /** Stops publishing, half-closes and returns the server's ack. */
  PublishAck stop() throws Exception {
    stop = true;
    thread.join();
    return ack.get(60, TimeUnit.SECONDS);
  }

  private void loop() {
    long start = System.nanoTime();
    long n = 0;
    while (!stop && !ack.isDone()) {
      if (rate > 0) {
        long due = start + (long) (n * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait < -100_000_000L) {
          // More than 100 ms behind (the machine was busy): drop the debt instead of bursting to catch up, so a
          // phase measures the rate asked for, not a backlog from the phase before.
          start -= wait; // now is due: the next event goes out at once, the schedule goes on from here
          continue;
        }
        if (wait > 0) {
          LockSupport.parkNanos(wait);
          continue;
        }
      } else if (n - averageDelivered.getAsLong() >= maxAhead) {
        LockSupport.parkNanos(20_000);
        continue;
      }
      if (!call.isReady()) {
        LockSupport.parkNanos(20_000);
        continue;
      }
      byte[] bytes = new byte[payload];
      long now = System.nanoTime();
      for (int i = 7; i >= 0; i--) {
        bytes[i] = (byte) now;
        now >>>= 8;
      }
      call.onNext(PublishRequest.newBuilder().setTopic(topic).setPayload(ByteString.copyFrom(bytes)).build());
      n++;
      published = n;
    }
    call.onCompleted();
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<PublishRequest> requestStream) {
    this.call = requestStream;
  }

  @Override
  public void onNext(PublishAck value) {
    ack.complete(value);
  }

  @Override
  public void onError(Throwable t) {
    ack.completeExceptionally(Status.fromThrowable(t).asRuntimeException());
  }

  @Override
  public void onCompleted() {}
}
