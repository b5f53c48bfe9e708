package io.streamkit.server;

/**
 * A snapshot of a running server's stream figures, from {@code StreamKitServer.stats()}. Immutable and
 * thread-safe; a value that does not change as the server goes on (ask again for fresh figures).
 *
 * @param openStreams streams of every RPC (Chat, Greeter, Subscribe, Publish) open now
 * @param streamsOpened streams opened since start
 * @param queuedOutboundBytes serialized bytes waiting in all streams' outbound buffers now
 * @param peakQueuedOutboundBytesPerStream the most any one stream had buffered at once since start; never more
 *     than {@code maxQueuedBytesPerStream}
 */
public record ServerStats(
    int openStreams, long streamsOpened, long queuedOutboundBytes, long peakQueuedOutboundBytesPerStream) {}
