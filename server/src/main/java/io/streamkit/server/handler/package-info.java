/**
 * The handler SPI: what plug-in authors implement to give a StreamKit server its behaviour.
 *
 * <p>A {@link io.streamkit.server.handler.MessageHandler} serves one <em>route</em>. Every inbound
 * {@code streamkit.v1.Message} of a Chat stream names a route; the server hands it to the handler serving that
 * route together with the stream's {@link io.streamkit.server.handler.StreamContext}, through which the
 * handler replies, pushes unsolicited messages, learns the caller and ends the stream.
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
 *   <li><b>deadline</b>: a fixed instant after which the whole call fails; long-lived streams normally have
 *       none.</li>
 * </ul>
 */
package io.streamkit.server.handler;
