/**
 * Not API: the built-in handlers, {@code echo} and {@code greeter}, and the wire path of {@code example.Greeter}
 * (marshallers that read its requests straight into greeter Messages). Anything here may change without notice.
 */
package io.streamkit.server.internal.handlers;
