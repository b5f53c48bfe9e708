/**
 * The StreamKit wire contract. The messages and stubs are generated from the .proto files of this module:
 * {@code io.streamkit.api.v1} holds {@code streamkit.v1.StreamService} (Chat, Subscribe, Publish) and
 * {@code io.streamkit.api.example} the wire-compatible {@code example.Greeter/Chat} echo. One class is written by
 * hand: {@link io.streamkit.api.v1.TopicNames}, the rule for topic names that the server and the Java client share.
 *
 * <p>Generated messages are immutable and thread-safe; generated stubs follow grpc-java's contracts.
 */
package io.streamkit.api;
