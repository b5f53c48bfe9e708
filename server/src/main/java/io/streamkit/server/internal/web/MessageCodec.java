package io.streamkit.server.internal.web;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.broker.TopicEvent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * One method's messages in the two encodings HTTP clients use: the protobuf binary form and proto3 JSON. Requests
 * become the method's request type through the method's own request marshaller (so the server sees what a gRPC
 * client would have sent); responses are written from the method's own response marshaller, or printed as JSON
 * from the message (an event's {@code streamkit.v1.Event} directly, anything else through its schema).
 *
 * <p>Thread-safe (immutable).
 */
final class MessageCodec<ReqT, RespT> {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  private final MethodDescriptor<ReqT, RespT> method;
  private final Descriptors.Descriptor input;
  private final Descriptors.Descriptor output;

  MessageCodec(MethodDescriptor<ReqT, RespT> method) {
    this.method = method;
    if (!(method.getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier schema)) {
      throw new IllegalArgumentException(method.getFullMethodName() + " has no protobuf schema");
    }
    this.input = schema.getMethodDescriptor().getInputType();
    this.output = schema.getMethodDescriptor().getOutputType();
  }

  MethodDescriptor<ReqT, RespT> method() {
    return method;
  }

  /** The request from its binary form. */
  ReqT requestFromBinary(byte[] bytes) throws StatusException {
    Object parsed = method.parseRequest(new ByteArrayInputStream(bytes));
    // The server's marshallers never throw on bad bytes: they return a marker that is not a message (see
    // MalformedRequests), which is caught here so that every method gets the same clear answer.
    if (!(parsed instanceof MessageLite)) {
      throw malformed("not a valid " + input.getName() + " in the protobuf binary form");
    }
    return cast(parsed);
  }

  /** The request from its proto3 JSON form; an empty body is the empty message. */
  ReqT requestFromJson(String json) throws StatusException {
    DynamicMessage.Builder builder = DynamicMessage.newBuilder(input);
    if (!json.isBlank()) {
      try {
        PARSER.merge(json, builder);
      } catch (InvalidProtocolBufferException | RuntimeException e) {
        throw malformed("not a valid " + input.getName() + " in proto3 JSON: " + e.getMessage());
      }
    }
    return requestFromBinary(builder.build().toByteArray());
  }

  private StatusException malformed(String what) {
    return WebErrors.status(Status.Code.INVALID_ARGUMENT,
        "the request of " + method.getFullMethodName() + " is " + what
            + " (expected: one " + input.getFullName() + ")",
        ErrorReason.REQUEST_MALFORMED, Map.of("method", method.getFullMethodName())).asException();
  }

  /** The response's protobuf bytes, exactly as the gRPC port would write them. */
  byte[] binary(RespT response) {
    if (response instanceof TopicEvent event) {
      return event.wire(); // shared and never modified: the bytes encoded once at publish
    }
    try (InputStream in = method.streamResponse(response)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The response in proto3 JSON. */
  String json(RespT response) {
    try {
      if (response instanceof TopicEvent event) {
        return PRINTER.print(event.event());
      }
      if (response instanceof MessageOrBuilder message && message.getDescriptorForType() == output) {
        return PRINTER.print(message);
      }
      return PRINTER.print(DynamicMessage.parseFrom(output, binary(response)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a response of " + method.getFullMethodName() + " cannot be printed as JSON", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object o) {
    return (T) o;
  }
}
