/**
 * Not API: the implementation behind {@link io.streamkit.client}. Its types may change or disappear in
 * any release; do not use them directly.
 *
 * <ul>
 *   <li>{@link io.streamkit.client.internal.BlockingBidiCall}: the flow-controlled blocking stream.</li>
 *   <li>{@link io.streamkit.client.internal.CallbackBidiCall}: the callback stream and its bounded
 *       outbound buffer.</li>
 *   <li>{@link io.streamkit.client.internal.ChatCorrelator}: request/reply over one Chat stream.</li>
 *   <li>{@link io.streamkit.client.internal.OpenCalls}: the streams a client cancels when it closes.</li>
 *   <li>{@link io.streamkit.client.internal.ResumingSubscription}: resume, exactly-once delivery, gaps and resets,
 *       subscription states.</li>
 *   <li>{@link io.streamkit.client.internal.ConnectionWatch}: the connection's state, its listener, and
 *       reconnecting on the client's policy.</li>
 *   <li>{@link io.streamkit.client.internal.ConnectionErrors}: UNAVAILABLE that names the target and the
 *       failure.</li>
 *   <li>{@link io.streamkit.client.internal.EventPublishing}: one-call publishing over PublishEvent;
 *       {@link io.streamkit.client.internal.BlockingPublishCall}: the Publish stream.</li>
 *   <li>{@link io.streamkit.client.internal.ClientThreads} and {@link io.streamkit.client.internal.ReplyFuture}:
 *       the client's threads, and the future that refuses to block the reply thread.</li>
 * </ul>
 *
 * <p>Every {@link io.grpc.ClientCall} here is used under its owner's lock, or by one thread at a time (a publish
 * call: started, sent and half-closed by the caller, cancelled only after): ClientCall is not thread-safe.
 */
package io.streamkit.client.internal;
