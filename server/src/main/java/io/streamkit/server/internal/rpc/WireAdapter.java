package io.streamkit.server.internal.rpc;

import com.google.protobuf.MessageLite;
import io.streamkit.api.v1.Message;
import io.streamkit.server.internal.handlers.GreeterWire;

/**
 * Maps a bidi RPC's own request and response types to {@link Message}, so that every bidi contract is served
 * by the same dispatch, flow control and handler machinery.
 */
interface WireAdapter<ReqT, RespT extends MessageLite> {

  Message toMessage(ReqT request);

  RespT fromMessage(Message message);

  /** Whether a response can carry a per-message {@code error}; if not, an error reply ends the stream. */
  boolean carriesErrors();

  /** streamkit.v1.StreamService/Chat: the wire type is Message itself. */
  WireAdapter<Message, Message> IDENTITY =
      new WireAdapter<>() {
        @Override
        public Message toMessage(Message request) {
          return request;
        }

        @Override
        public Message fromMessage(Message message) {
          return message;
        }

        @Override
        public boolean carriesErrors() {
          return true;
        }
      };

  /**
   * example.Greeter/Chat: its marshallers ({@link GreeterWire}) read each request straight into a {@code greeter}
   * Message and write a reply Message's payload as the response, so nothing is converted here. The outbound
   * queue's limit and the route's byte counter see the reply Message's size: its route field above the wire's.
   */
  WireAdapter<Message, Message> GREETER =
      new WireAdapter<>() {
        @Override
        public Message toMessage(Message request) {
          return request;
        }

        @Override
        public Message fromMessage(Message message) {
          return message;
        }

        @Override
        public boolean carriesErrors() {
          return false;
        }
      };
}
