package io.streamkit.server.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.api.v1.Message;

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

  /** example.Greeter/Chat: every request goes to the {@code greeter} route; its payload is the UTF-8 text. */
  WireAdapter<MessageRequest, MessageResponse> GREETER =
      new WireAdapter<>() {
        @Override
        public Message toMessage(MessageRequest request) {
          return Message.newBuilder()
              .setRoute(GreeterHandler.ROUTE)
              .setPayload(ByteString.copyFromUtf8(request.getContent()))
              .build();
        }

        @Override
        public MessageResponse fromMessage(Message message) {
          return MessageResponse.newBuilder().setReply(message.getPayload().toStringUtf8()).build();
        }

        @Override
        public boolean carriesErrors() {
          return false;
        }
      };
}
