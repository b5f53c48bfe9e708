package io.streamkit.server.internal.rpc;

import io.streamkit.server.broker.Broker;
import io.streamkit.server.internal.security.CallSecurity;
import io.streamkit.server.internal.tracing.ServerTracing;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** What every bidi stream of one server shares. Immutable. */
public record ServerContext(
    RouteTable routes,
    StreamRegistry registry,
    Executor blockingExecutor,
    long maxQueuedBytesPerStream,
    Broker broker,
    ScheduledExecutorService timer,
    Duration streamIdleTimeout,
    CallSecurity security,
    ServerTracing tracing) {}
