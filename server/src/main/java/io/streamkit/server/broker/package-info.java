/**
 * The {@link io.streamkit.server.broker.Broker} SPI: where topics live, how events get their offsets, and how
 * they reach subscribers; and {@link io.streamkit.server.broker.InMemoryBroker}, the default.
 *
 * <ul>
 *   <li>{@link io.streamkit.server.broker.Broker}: publish, subscribe, availability; thread-safe, closed by whoever
 *       created it (the server closes only the in-memory broker it made itself).</li>
 *   <li>{@link io.streamkit.server.broker.EventSink}: where a broker delivers one subscription's events, implemented
 *       by the server per subscriber stream; callbacks of one subscription are serialized.</li>
 *   <li>{@link io.streamkit.server.broker.BrokerSubscription}: the handle of one subscription (resume, cancel).</li>
 *   <li>Values: {@link io.streamkit.server.broker.Position} (where a subscription starts),
 *       {@link io.streamkit.server.broker.Published} (the acknowledgement of a stored event),
 *       {@link io.streamkit.server.broker.TopicEvent} (one stored event, encoded once),
 *       {@link io.streamkit.server.broker.TopicLimits} (retention and lag limits), and
 *       {@link io.streamkit.server.broker.Topics} (the topic-name rule).</li>
 *   <li>{@link io.streamkit.server.broker.EventTracing}: the publisher's trace context an event carries in its
 *       headers, for code that processes events; stateless.</li>
 *   <li>{@link io.streamkit.server.broker.InMemoryBroker}: the default broker (its retained events are kept by
 *       {@code io.streamkit.server.internal.broker}, the core the Redis broker shares).</li>
 *   <li>For several server instances: {@code io.streamkit.server.broker.redis}.</li>
 * </ul>
 *
 * <h2>Vocabulary</h2>
 * <ul>
 *   <li><b>topic</b>: a named, ordered stream of events; 1 to 256 characters of {@code [A-Za-z0-9._:/-]}.</li>
 *   <li><b>offset</b>: an event's position in its topic: 1 for the first event, then 2, 3, ... with no hole,
 *       so a subscriber that sees offset 7 after offset 5 knows it missed offset 6.</li>
 *   <li><b>epoch</b>: an opaque string naming one history of a topic. It is fixed when the history begins and
 *       changes whenever the broker may have lost that history (the in-memory broker after a restart, or a
 *       topic that was freed while idle). An offset means something only together with its epoch.</li>
 *   <li><b>retention</b>: how much history a topic keeps (a number of events and an age).</li>
 *   <li><b>position</b>: where a subscription starts: live only, everything retained, or after an offset.</li>
 *   <li><b>gap</b>: offsets a subscriber will never see because retention dropped them; <b>reset</b>: a new
 *       epoch, or an offset lower than one already seen, meaning continuity is lost.</li>
 *   <li><b>lag</b>: how many events a subscriber is behind the topic's last offset.</li>
 * </ul>
 */
package io.streamkit.server.broker;
