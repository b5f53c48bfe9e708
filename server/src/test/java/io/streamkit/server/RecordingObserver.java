package io.streamkit.server;

import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A recording fake of a response observer: what arrived, and how the call ended (status and trailers). */
public final class RecordingObserver<T> implements StreamObserver<T> {
  public final List<T> values = new CopyOnWriteArrayList<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile Status status;
  private volatile Metadata trailers;

  @Override
  public void onNext(T value) {
    values.add(value);
  }

  @Override
  public void onError(Throwable t) {
    status = Status.fromThrowable(t);
    trailers = Status.trailersFromThrowable(t);
    done.countDown();
  }

  @Override
  public void onCompleted() {
    status = Status.OK;
    done.countDown();
  }

  /** Waits for the end of the call and returns its status. */
  public Status awaitStatus(Duration timeout) throws InterruptedException {
    if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("call did not end within " + timeout + "; got " + values.size() + " values");
    }
    return status;
  }

  /** Waits until at least {@code n} values arrived. */
  public void awaitValues(int n, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (values.size() < n) {
      if (System.nanoTime() > end) {
        throw new AssertionError("expected " + n + " values within " + timeout + ", got " + values.size()
            + (status == null ? "" : "; call ended with " + status));
      }
      Thread.sleep(2);
    }
  }

  /** Waits for the end of the call, which must have failed, and returns the ErrorInfo of its trailers. */
  public ErrorInfo awaitErrorInfo(Duration timeout) throws InterruptedException {
    return Reasons.errorInfo(awaitStatus(timeout), trailers);
  }

  public boolean isDone() {
    return done.getCount() == 0;
  }
}
