/**
 * The StreamKit wire contract. The messages and stubs are generated from the .proto files of this module:
 * {@code io.streamkit.api.v1} holds {@code streamkit.v1.StreamService} (Chat, Subscribe, Publish) and
 * {@code io.streamkit.api.example} the wire-compatible {@code example.Greeter/Chat} echo. Two classes are written
 * by hand, rules the server and the Java client share: {@link io.streamkit.api.v1.TopicNames}, for topic names, and
 * {@link io.streamkit.api.v1.TraceHeaders}, for the W3C trace context in headers and metadata.
 *
 * <p>Generated messages are immutable and thread-safe; generated stubs follow grpc-java's contracts.
 */
package io.streamkit.api;
