/**
 * The handler SPI: what plug-in authors implement to give a StreamKit server its behaviour.
 *
 * <ul>
 *   <li>{@link io.streamkit.server.handler.MessageHandler}: serves one <em>route</em>; one instance serves every
 *       stream, so it is thread-safe; callbacks for one stream are serialized.</li>
 *   <li>{@link io.streamkit.server.handler.StreamContext}: one Chat stream as a handler sees it (the caller,
 *       replies, pushes, attached topics, the end); created and ended by the server, thread-safe.</li>
 *   <li>{@link io.streamkit.server.handler.Blocking}: marks a handler whose callbacks may block, so they run on the
 *       server's blocking executor instead of a transport thread.</li>
 * </ul>
 *
 * <p>Every inbound {@code streamkit.v1.Message} of a Chat stream names a route; the server hands it to the
 * handler serving that route together with the stream's context, through which the handler replies, pushes
 * unsolicited messages, learns the caller and ends the stream. Per-message failures (no such route, a handler
 * that throws, a denied route, a reply to a message without an id) reach the client as a reply with
 * {@code error} set, with a typed {@code reason} listed in {@code docs/ERRORS.md}; the stream goes on.
 *
 * <p>Handlers are found with {@link java.util.ServiceLoader}: list the implementation class in
 * {@code META-INF/services/io.streamkit.server.handler.MessageHandler} of a jar and put the jar on the server's
 * class path or in its {@code --plugins} folder. An application embedding the server registers handlers on
 * {@code StreamKitServer.builder()} instead.
 *
 * <h2>Vocabulary</h2>
 * <ul>
 *   <li><b>inbound</b>: from the client to the server; <b>outbound</b>: from the server to the client.</li>
 *   <li><b>reply</b>: an outbound message answering one inbound message, with {@code correlation_id} set to
 *       the inbound message's {@code id}; <b>send</b>: any outbound message, solicited or not.</li>
 *   <li><b>half-close</b>: the client said it sends no more; the stream stays open until the server
 *       completes it. <b>cancel</b>: the client (or its deadline) abandoned the stream.</li>
 *   <li><b>end</b>: the stream takes no more sends, whoever ended it; {@code StreamContext.onEnd} runs then, and
 *       {@code MessageHandler.onClose} for each handler opened on the stream.</li>
 *   <li><b>deadline</b>: a fixed instant after which the whole call fails; long-lived streams normally have
 *       none.</li>
 * </ul>
 */
package io.streamkit.server.handler;
