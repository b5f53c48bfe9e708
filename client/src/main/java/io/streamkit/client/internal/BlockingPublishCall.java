package io.streamkit.client.internal;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.StreamKitException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Publish stream behind {@link EventPublisher}.
 *
 * <p>Concurrency: one lock guards the {@link ClientCall} and the state; publishers wait on one condition
 * for readiness or the end, exactly like {@link BlockingBidiCall#send}.
 */
public final class BlockingPublishCall implements EventPublisher, OpenCalls.Member {
  private final ClientCall<PublishRequest, PublishAck> call;
  private final OpenCalls openCalls;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  // Guarded by lock.
  private PublishAck ack;
  private Status endStatus;
  private Metadata endTrailers;
  private boolean halfClosed;

  private BlockingPublishCall(ClientCall<PublishRequest, PublishAck> call, OpenCalls openCalls) {
    this.call = call;
    this.openCalls = openCalls;
  }

  /** Opens a Publish stream on {@code channel}. */
  public static BlockingPublishCall start(Channel channel, OpenCalls openCalls) {
    BlockingPublishCall p = new BlockingPublishCall(
        channel.newCall(StreamServiceGrpc.getPublishMethod(), CallOptions.DEFAULT), openCalls);
    p.lock.lock();
    try {
      p.call.start(p.new Listener(), new Metadata());
      p.call.request(1);
    } finally {
      p.lock.unlock();
    }
    openCalls.add(p);
    p.lock.lock();
    try {
      if (p.endStatus == null) {
        return p;
      }
    } finally {
      p.lock.unlock();
    }
    openCalls.remove(p); // ended before it was added: the removal on its end came first
    return p;
  }

  @Override
  public void publish(String topic, ByteString payload) throws InterruptedException {
    publish(topic, payload, Map.of());
  }

  @Override
  public void publish(String topic, ByteString payload, Map<String, String> headers)
      throws InterruptedException {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(headers, "headers");
    PublishRequest request =
        PublishRequest.newBuilder().setTopic(topic).setPayload(payload).putAllHeaders(headers).build();
    lock.lockInterruptibly();
    try {
      while (true) {
        if (endStatus != null) {
          throw StreamErrors.alreadyClosed(endStatus, endTrailers);
        }
        if (halfClosed) {
          throw new IllegalStateException("publish after complete(): the publisher is half-closed");
        }
        if (call.isReady()) {
          break;
        }
        changed.await();
      }
      call.sendMessage(request);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public PublishAck complete() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      if (!halfClosed && endStatus == null) {
        halfClosed = true;
        call.halfClose();
        changed.signalAll();
      }
      while (endStatus == null) {
        changed.await();
      }
      if (!endStatus.isOk()) {
        throw new StreamKitException(endStatus, endTrailers);
      }
      if (ack == null) {
        throw new StreamKitException(Status.INTERNAL.withDescription("Publish ended with OK but no PublishAck"));
      }
      return ack;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    cancel(Status.CANCELLED.withDescription("EventPublisher closed before complete()"));
  }

  @Override
  public void cancel(Status status) {
    lock.lock();
    try {
      if (endStatus != null) {
        return;
      }
      endStatus = status;
      changed.signalAll();
      call.cancel(status.getDescription(), status.getCause());
    } finally {
      lock.unlock();
    }
    openCalls.remove(this);
  }

  private final class Listener extends ClientCall.Listener<PublishAck> {
    @Override
    public void onMessage(PublishAck message) {
      lock.lock();
      try {
        ack = message;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onReady() {
      lock.lock();
      try {
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      // Unregistered before the waiting thread wakes: whoever sees the end sees no open stream left.
      openCalls.remove(BlockingPublishCall.this);
      lock.lock();
      try {
        if (endStatus == null) {
          endStatus = status;
          endTrailers = trailers;
          changed.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }
  }
}
