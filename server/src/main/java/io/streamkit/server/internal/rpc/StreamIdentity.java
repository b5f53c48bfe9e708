package io.streamkit.server.internal.rpc;

import io.grpc.Deadline;
import io.grpc.Metadata;
import io.streamkit.server.security.Principal;
import java.net.SocketAddress;
import java.util.Optional;

/**
 * Who opened a stream and when it must end, as a handler sees it through its {@link HandlerContext}; fixed for
 * the stream's life. Immutable.
 *
 * @param streamId server-unique, also in the server's log lines about the stream
 * @param remoteAddress the client's address, or null when the transport does not know it
 * @param principal the authenticated caller; empty when the server authenticates no one
 * @param requestHeaders the headers the client opened the stream with (not copied: do not modify)
 * @param deadline the call's deadline, or null for none
 */
public record StreamIdentity(
    String streamId,
    SocketAddress remoteAddress,
    Optional<Principal> principal,
    Metadata requestHeaders,
    Deadline deadline) {}
