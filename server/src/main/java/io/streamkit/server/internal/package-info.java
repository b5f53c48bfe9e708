/**
 * Not API: the gRPC service implementations, the per-stream outbound queue and flow control, route dispatch and
 * plug-in class loading. Anything here may change without notice; use {@code io.streamkit.server} and
 * {@code io.streamkit.server.handler}.
 */
package io.streamkit.server.internal;
