package io.streamkit.server.internal;

import io.streamkit.server.broker.Broker;
import java.util.concurrent.Executor;

/** What every bidi stream of one server shares. Immutable. */
public record ChatConfig(
    RouteTable routes,
    StreamRegistry registry,
    Executor blockingExecutor,
    long maxQueuedBytesPerStream,
    Broker broker,
    CallSecurity security) {}
