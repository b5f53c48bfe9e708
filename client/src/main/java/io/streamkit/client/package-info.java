/**
 * The StreamKit client: one {@link io.streamkit.client.StreamKitClient} per server, and from it request/reply
 * calls, one-call publishing, resuming subscriptions, publish streams, blocking streams and callback streams.
 *
 * <ul>
 *   <li>{@link io.streamkit.client.StreamKitClient}: the entry point and its builder; thread-safe, share one per
 *       server, close it to release its connection and threads. {@link io.streamkit.client.ClientTls} and
 *       {@link io.streamkit.client.ReconnectPolicy} configure it (immutable values);
 *       {@link io.streamkit.client.ConnectionListener} follows its {@link io.streamkit.client.ConnectionState}.</li>
 *   <li>Chat: {@link io.streamkit.client.BidiStream} (blocking), {@link io.streamkit.client.StreamHandle} with
 *       {@link io.streamkit.client.StreamListener} (callbacks), and {@code call(...)} for request/reply.</li>
 *   <li>Server push: {@link io.streamkit.client.Subscription} (iterate), {@link io.streamkit.client.SubscriptionHandle}
 *       with {@link io.streamkit.client.SubscriptionListener} (callbacks), where to start
 *       ({@link io.streamkit.client.TopicStart}), how to react to gaps and resets
 *       ({@link io.streamkit.client.SubscribeOptions}), its {@link io.streamkit.client.SubscriptionState}, and
 *       {@link io.streamkit.client.SubscriptionGapException}; publishing
 *       with {@link io.streamkit.client.EventPublisher}.</li>
 *   <li>Tracing (with {@code Builder.openTelemetry}): {@link io.streamkit.client.EventTracing} reads the
 *       publisher's trace context an event carries, to continue or link its trace; stateless.</li>
 *   <li>Failures: {@link io.streamkit.client.StreamKitException}, which carries the server's
 *       {@link io.grpc.Status}; programs decide by its typed reason (see {@code docs/ERRORS.md}), not by its
 *       text.</li>
 * </ul>
 *
 * <h2>Vocabulary</h2>
 * Used with these meanings everywhere in this package:
 * <dl>
 *   <dt>outbound / inbound</dt>
 *   <dd>Outbound messages go from this client to the server ({@code send}); inbound messages come from the
 *       server to this client (replies).</dd>
 *   <dt>ready</dt>
 *   <dd>The transport accepts more outbound messages without buffering past its small limit (about 32 KiB
 *       per stream). A stream stops being ready when the server, or the network, reads slower than we send;
 *       that is HTTP/2 flow control reaching the sender, and it is how a fast sender is slowed down.</dd>
 *   <dt>half-close</dt>
 *   <dd>{@code closeSend()}: this client will send no more messages on the stream. Inbound messages keep
 *       arriving until the server ends the stream.</dd>
 *   <dt>end (of a stream)</dt>
 *   <dd>The stream is over for both directions: the server finished it with a status (OK or an error), or
 *       it was cancelled. Every stream ends exactly once, and the status it ended with is what later calls
 *       report ({@code "stream already closed with status CANCELLED ..."}).</dd>
 *   <dt>cancel</dt>
 *   <dd>Ending a stream from this side before the server finished it: {@code close()} of an open
 *       {@link io.streamkit.client.BidiStream}, {@link io.streamkit.client.StreamHandle#cancel(String)},
 *       or closing the client. The server sees the cancellation; the stream ends with CANCELLED.</dd>
 *   <dt>deadline</dt>
 *   <dd>The time a request/reply call ({@code call(...)}) may take before it fails with
 *       DEADLINE_EXCEEDED. Long-lived streams have no deadline: they live until either side ends them.</dd>
 *   <dt>timeout (of a receive)</dt>
 *   <dd>How long one {@link io.streamkit.client.BidiStream#receive(java.time.Duration)} waits. It does not
 *       end the stream.</dd>
 *   <dt>topic, offset, epoch</dt>
 *   <dd>Server push ({@link io.streamkit.client.Subscription}, {@link io.streamkit.client.EventPublisher}):
 *       a topic is an ordered stream of events; an event's offset is its position in the topic (1, 2, 3, ...
 *       with no hole), meaningful only together with its epoch, which names one history of the topic.</dd>
 *   <dt>position</dt>
 *   <dd>Where a subscription (re)starts a topic: a {@link io.streamkit.client.TopicStart}. A resuming
 *       subscription's position is the (epoch, offset) of the last event it handed to the application.</dd>
 *   <dt>gap, reset (discontinuities)</dt>
 *   <dd>The two discontinuities: a gap is offsets that retention dropped (next offset &gt; last + 1, same
 *       epoch); a reset is a new epoch (the server lost or rolled back the history). Both are reported
 *       before the event that follows them; a duplicate (same epoch, offset &lt;= last) is dropped.</dd>
 *   <dt>connection state, subscription state</dt>
 *   <dd>The client's connection is IDLE, CONNECTING, READY, RECONNECTING (a connect failed; the client tries again
 *       on its {@link io.streamkit.client.ReconnectPolicy}) or CLOSED: {@link io.streamkit.client.ConnectionState}.
 *       A subscription is CONNECTING, LIVE (registered by the server), RESUMING (waiting to subscribe again after
 *       a retryable failure) or ENDED: {@link io.streamkit.client.SubscriptionState}.</dd>
 *   <dt>acknowledged</dt>
 *   <dd>A published event is acknowledged when the server answered that it stored it: the future of
 *       {@link io.streamkit.client.StreamKitClient#publish(String, com.google.protobuf.ByteString)}, or
 *       {@link io.streamkit.client.EventPublisher#complete()} for a whole Publish stream. Nothing acknowledged is
 *       lost without being reported; an event not acknowledged is reported as such.</dd>
 * </dl>
 *
 * <p>Threads: the application's own threads block only in blocking methods; listener callbacks run on the
 * callback executor; the futures of {@code call} and {@code publish} complete on the client's reply thread (so a
 * callback may block on them); deadlines and reconnect delays run on the client's timer, which runs no
 * application code.
 *
 * <p>All failures that are not the caller's mistake are reported as
 * {@link io.streamkit.client.StreamKitException}, which carries the {@link io.grpc.Status} (never OK) and the
 * server's typed {@link io.streamkit.client.StreamKitException#reason() reason}: programs decide by the reason,
 * then by the status code, never by the description. Caller mistakes (a {@code send} after {@code closeSend()} or
 * after the server completed the stream, using a closed client, a topic the server would reject, an invalid argument) throw
 * {@link java.lang.IllegalStateException} or {@link java.lang.IllegalArgumentException} at the call.
 */
package io.streamkit.client;
