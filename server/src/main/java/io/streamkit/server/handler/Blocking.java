package io.streamkit.server.handler;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link MessageHandler} whose callbacks may block (I/O, locks, {@code Thread.sleep}, calls to other
 * services). The server runs such a handler's callbacks on its bounded blocking executor, never on a transport
 * event-loop thread. Handlers without this annotation run directly on the thread that delivered the message,
 * with no thread hop: they must return quickly and never block.
 *
 * <p>Per-stream ordering holds either way: while a blocking callback of a stream is running or queued, later
 * messages of that stream, for any route, wait behind it (and so also run on the blocking executor).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Blocking {}
