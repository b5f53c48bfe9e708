package io.streamkit.client.internal;

import io.grpc.Status;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The streams of one client that have not ended, so that closing the client can cancel them and then
 * wait until they have delivered their last callback.
 *
 * <p>Thread-safe. Created and closed by the client. A stream adds itself when it starts and removes itself
 * once its end is delivered (a callback stream: after its listener's terminal callback ran), so the set
 * never holds ended streams.
 */
public final class OpenCalls {

  /** A stream that can be ended from outside. */
  interface Member {
    /** Ends the stream with {@code status} (CANCELLED) if it is still open. Never blocks. */
    void cancel(Status status);
  }

  private final Set<Member> members = new HashSet<>(); // guarded by this
  private Status closedWith; // guarded by this

  void add(Member member) {
    Status status;
    synchronized (this) {
      members.add(member);
      status = closedWith;
    }
    if (status != null) { // raced with closeAll(): must not survive it
      member.cancel(status);
    }
  }

  void remove(Member member) {
    synchronized (this) {
      if (members.remove(member) && members.isEmpty()) {
        notifyAll();
      }
    }
  }

  /** How many streams are open. */
  public synchronized int size() {
    return members.size();
  }

  /**
   * Cancels every open stream with {@code status}, and every stream added from now on. Streams stay
   * counted until their end is delivered; see {@link #awaitEmpty}.
   */
  public void closeAll(Status status) {
    Member[] open;
    synchronized (this) {
      closedWith = status;
      open = members.toArray(Member[]::new);
    }
    for (Member member : open) {
      member.cancel(status);
    }
  }

  /** Waits at most {@code nanos} until no stream is open; returns whether none is. */
  public synchronized boolean awaitEmpty(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    while (!members.isEmpty()) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, remaining);
    }
    return true;
  }
}
