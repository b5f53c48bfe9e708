/**
 * Not API: the broker core that every {@link io.streamkit.server.broker.Broker} of this project is built on.
 * {@link io.streamkit.server.internal.broker.TopicHistory} holds one topic's retained events (a ring indexed by
 * offset, its last offset readable without a lock, retention, the epoch) and its subscriptions;
 * {@link io.streamkit.server.internal.broker.Cursor} is one subscription's position in it (drained by one thread
 * at a time, lag limit, retention gaps, epoch changes); deliveries are grouped per sink executor (per event loop).
 * The in-memory broker's topics and each Redis broker instance's local mirrors are TopicHistories, so the start
 * position rule, the lag limit and per-event-loop delivery are written once.
 * {@link io.streamkit.server.internal.broker.ForwardingBroker} and
 * {@link io.streamkit.server.internal.broker.ForwardingEventSink} forward every SPI method to a delegate: the broker
 * decorators (tracing, metrics, the web console's directory) and their sinks extend them and override only what
 * they change. {@link io.streamkit.server.internal.broker.ObservedSubscription} is one subscription as a broker
 * decorator (metrics, the web console's directory) sees it: its sink and its handle, deliveries reported and a
 * release-once end. Anything here may change without notice.
 */
package io.streamkit.server.internal.broker;
