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
 * </ul>
 *
 * <p>Every {@link io.grpc.ClientCall} here is used under its owner's lock: ClientCall is not thread-safe.
 */
package io.streamkit.client.internal;
