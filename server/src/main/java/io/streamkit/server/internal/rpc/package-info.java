/**
 * Not API: the gRPC services (Chat, Subscribe, Publish, Greeter) and what one stream is made of: its transport
 * listener, its handler sequencer, its outbound queue and flow control, route dispatch, the stream registry and
 * the idle watch. Anything here may change without notice; use {@code io.streamkit.server} and
 * {@code io.streamkit.server.handler}.
 */
package io.streamkit.server.internal.rpc;
