package io.streamkit.reliability;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A recording fake of a client call listener: what arrived, and how the call ended. Thread-safe. */
final class Recorder<T> extends ClientCall.Listener<T> {
  final List<T> values = new CopyOnWriteArrayList<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile Status status;
  private volatile Metadata trailers;

  @Override
  public void onMessage(T message) {
    values.add(message);
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    this.status = status;
    this.trailers = trailers;
    done.countDown();
  }

  /** Waits for the end of the call and returns its status. */
  Status awaitStatus(Duration timeout) throws InterruptedException {
    if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("call did not end within " + timeout + "; got " + values.size() + " values");
    }
    return status;
  }

  Metadata trailers() {
    return trailers;
  }

  boolean isDone() {
    return done.getCount() == 0;
  }
}
