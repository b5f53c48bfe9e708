package io.streamkit.server.internal.rpc;

import io.grpc.Status;
import io.streamkit.api.v1.Message;

/**
 * Where a {@link HandlerContext}'s outbound messages go, and how the context learns that its stream ended: a Chat
 * stream's {@link OutboundQueue} (see {@link ChatStream}), or the single response of a unary call.
 *
 * <p>Thread-safe: every method may be called from any thread. None blocks.
 */
public interface ContextOutbound {

  /**
   * Writes or buffers {@code message}; false once the stream ended (or when this very send ended it). A message
   * with {@code error} set is a per-message error: where the wire has no per-message errors, the implementation
   * ends the stream with that error's status instead.
   */
  boolean send(Message message);

  /** Ends the stream in order: messages accepted before are delivered first. The first end wins. */
  void close(Status status);

  /** How the stream ended, or null while it is open. */
  Status endStatus();

  /** Whether a pushed message (a topic event) would be written through now, with nothing queued before it. */
  boolean readyForPush();
}
