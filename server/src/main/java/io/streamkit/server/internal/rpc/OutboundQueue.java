package io.streamkit.server.internal.rpc;

import com.google.protobuf.MessageLite;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * The outbound side of one server stream: every interaction with the {@link ServerCall} (send, request, close)
 * goes through here, because a ServerCall is not thread-safe.
 *
 * <p>Concurrency: one monitor ({@code this}) guards the call, the deque and the counters. Sends may come from
 * any thread (transport event loop, blocking executor, a handler's own threads); the transport's onReady
 * callback drains under the same monitor. Nothing under the monitor blocks: {@code ServerCall.sendMessage}
 * only hands the message to Netty's write queue. In the common case (deque empty, transport ready) a send
 * is written straight through with no queueing.
 *
 * <p>Overflow: a message that cannot be written because the transport is not ready is kept in the deque, whose
 * serialized size is bounded by {@code maxQueuedBytes}. A send that would exceed the bound ends the stream with
 * RESOURCE_EXHAUSTED naming the limit, drops the deque and refuses every later send. While anything is queued,
 * inbound credits (request(1) after a message was handled) are held back and returned once the deque drained,
 * so a client that does not read stops its own sender through HTTP/2 flow control instead of filling memory.
 *
 * <p>Ending: an orderly close (OK, or a status chosen by a handler) is written after the queued messages. The
 * transport's end (cancel, deadline, connection loss), an overflow and an abort (shutdown) drop them; an abort
 * that cuts short an orderly close still draining closes the call with the abort's status, so the client never
 * reads OK after messages were dropped.
 */
final class OutboundQueue<RespT extends MessageLite> {

  /** Told when the server side ended the stream (close, abort, overflow); called once per end, outside the monitor. */
  interface EndListener {
    void ended(Status status);
  }

  private final ServerCall<?, RespT> call;
  private final long maxQueuedBytes;
  private final String streamId;
  private final StreamRegistry registry;
  private final EndListener listener;

  private final ArrayDeque<RespT> deque = new ArrayDeque<>();
  private long queuedBytes;
  private int heldCredits;
  /** How the stream ended: set once it takes no more sends; the first status wins. */
  private Status endStatus;
  /** Set when a close was requested while messages were still queued. */
  private Status pendingClose;
  private boolean callClosed;
  /** Response headers go out with the first message (see {@link #start}). */
  private boolean headersSent;

  OutboundQueue(
      ServerCall<?, RespT> call,
      long maxQueuedBytes,
      String streamId,
      StreamRegistry registry,
      EndListener listener) {
    this.call = call;
    this.maxQueuedBytes = maxQueuedBytes;
    this.streamId = streamId;
    this.registry = registry;
    this.listener = listener;
  }

  /**
   * Writes or queues {@code message}. Returns false if the stream no longer takes sends (including when this
   * very send overflowed the bound and ended the stream).
   */
  boolean send(RespT message) {
    Status overflow;
    synchronized (this) {
      if (endStatus != null) {
        return false;
      }
      if (deque.isEmpty() && call.isReady()) {
        if (!headersSent) {
          headersSent = true;
          call.sendHeaders(new Metadata());
        }
        call.sendMessage(message);
        return true;
      }
      int size = message.getSerializedSize();
      if (queuedBytes + size <= maxQueuedBytes) {
        deque.addLast(message);
        queuedBytes += size;
        registry.queued(size, queuedBytes);
        return true;
      }
      overflow = ErrorDetails.withReason(Status.RESOURCE_EXHAUSTED.withDescription(
              "outbound buffer of stream " + streamId + " is full: " + queuedBytes + " bytes queued, " + size
                  + " more would exceed maxQueuedBytesPerStream=" + maxQueuedBytes
                  + "; the client is not reading fast enough"),
          ErrorReason.OUTBOUND_BUFFER_FULL, Map.of("limit_bytes", Long.toString(maxQueuedBytes)));
      endLocked(overflow);
    }
    listener.ended(overflow);
    return false;
  }

  /** Transport callback: the call can take more messages. onReady may fire spuriously; we re-check isReady. */
  void onReady() {
    synchronized (this) {
      drainLocked();
    }
  }

  /** Returns one inbound credit: request(1) now, or once the queued outbound messages have drained. */
  void returnInboundCredit() {
    synchronized (this) {
      if (callClosed) {
        return;
      }
      if (deque.isEmpty()) {
        call.request(1);
      } else {
        heldCredits++;
      }
    }
  }

  /**
   * Starts the stream: requests the first {@code window} inbound messages. Response headers go out with the
   * first reply, not before: until then a failure grpc-java detects itself (an inbound message over the size
   * limit) can still reach the client as a status with a message (a trailers-only response) instead of a bare
   * RST_STREAM CANCEL, which is all HTTP/2 allows once headers were sent.
   */
  void start(int window) {
    synchronized (this) {
      if (!callClosed) {
        call.request(window);
      }
    }
  }

  /**
   * Orderly close: refuses further sends, writes what is queued, then closes the call with {@code status}.
   * Returns false if the stream had already ended (the first end wins).
   */
  boolean close(Status status) {
    synchronized (this) {
      if (endStatus != null) {
        return false;
      }
      endStatus = status;
      pendingClose = status;
      drainLocked();
    }
    listener.ended(status);
    return true;
  }

  /**
   * Immediate close: drops what is queued and closes the call (also after an orderly close still draining, which
   * it cuts short). Used at shutdown. Returns false if the call was already closed.
   */
  boolean abort(Status status) {
    synchronized (this) {
      if (endStatus != null && callClosed) {
        return false;
      }
      endLocked(status);
    }
    listener.ended(status);
    return true;
  }

  /**
   * The transport ended the call (completed, client cancel, deadline, connection loss): nothing may be written
   * any more. Returns how the stream ended: {@code status}, unless the server had ended it before.
   */
  Status transportEnded(Status status) {
    synchronized (this) {
      callClosed = true;
      dropQueueLocked();
      if (endStatus == null) {
        endStatus = status;
      }
      return endStatus;
    }
  }

  /** Whether a pushed message would be written straight through now (nothing queued, transport ready). */
  synchronized boolean readyForPush() {
    return endStatus == null && deque.isEmpty() && !callClosed && call.isReady();
  }

  /** How the stream ended, or null while it takes sends. */
  synchronized Status endStatus() {
    return endStatus;
  }

  synchronized long queuedBytes() {
    return queuedBytes;
  }

  private void drainLocked() {
    while (!deque.isEmpty() && !callClosed && call.isReady()) {
      RespT message = deque.pollFirst();
      int size = message.getSerializedSize();
      queuedBytes -= size;
      registry.dequeued(size);
      if (!headersSent) {
        headersSent = true;
        call.sendHeaders(new Metadata());
      }
      call.sendMessage(message);
    }
    if (!deque.isEmpty() || callClosed) {
      return;
    }
    if (pendingClose != null) {
      Status status = pendingClose;
      pendingClose = null;
      closeCallLocked(status);
    } else if (heldCredits > 0 && endStatus == null) {
      int credits = heldCredits;
      heldCredits = 0;
      call.request(credits);
    }
  }

  /** Ends now: drops what is queued and closes the call. */
  private void endLocked(Status status) {
    boolean cutShort = pendingClose != null;
    if (endStatus == null) {
      endStatus = status;
    }
    pendingClose = null;
    dropQueueLocked();
    closeCallLocked(cutShort ? status : endStatus);
  }

  private void closeCallLocked(Status status) {
    if (callClosed) {
      return;
    }
    callClosed = true;
    call.close(status, ErrorDetails.trailers(status));
  }

  private void dropQueueLocked() {
    if (queuedBytes > 0) {
      registry.dequeued(queuedBytes);
    }
    deque.clear();
    queuedBytes = 0;
    heldCredits = 0;
  }
}
