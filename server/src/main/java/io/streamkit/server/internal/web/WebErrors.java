package io.streamkit.server.internal.web;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/**
 * A gRPC {@link Status} as HTTP clients read it: the Connect protocol's code names and HTTP status mapping, and its
 * JSON error body ({@code {"code":"invalid_argument","message":"...","details":[...]}}), which every error of the
 * HTTP port uses, Connect or not. Details are the status's {@code google.rpc.Status} details from the
 * {@code grpc-status-details-bin} trailer: each as its type name and its bytes in base64, plus, for an ErrorInfo,
 * a {@code debug} object with its domain, reason and metadata so that a page can read the reason without protobuf.
 * Stateless.
 */
final class WebErrors {
  static final Metadata.Key<byte[]> DETAILS = Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  private WebErrors() {}

  /** The Connect name of {@code code}: {@code invalid_argument}, {@code canceled} (one l), ... */
  static String connectCode(Status.Code code) {
    return code == Status.Code.CANCELLED ? "canceled" : code.name().toLowerCase(Locale.ROOT);
  }

  /** The HTTP status of a unary Connect error with {@code code} (the Connect protocol's table). */
  static HttpResponseStatus httpStatus(Status.Code code) {
    return switch (code) {
      case CANCELLED -> new HttpResponseStatus(499, "Client Closed Request");
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> HttpResponseStatus.BAD_REQUEST;
      case DEADLINE_EXCEEDED -> HttpResponseStatus.GATEWAY_TIMEOUT;
      case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
      case ALREADY_EXISTS, ABORTED -> HttpResponseStatus.CONFLICT;
      case PERMISSION_DENIED -> HttpResponseStatus.FORBIDDEN;
      case RESOURCE_EXHAUSTED -> HttpResponseStatus.TOO_MANY_REQUESTS;
      case UNIMPLEMENTED -> HttpResponseStatus.NOT_IMPLEMENTED;
      case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
      case UNAUTHENTICATED -> HttpResponseStatus.UNAUTHORIZED;
      default -> HttpResponseStatus.INTERNAL_SERVER_ERROR; // UNKNOWN, INTERNAL, DATA_LOSS
    };
  }

  /** A status with a typed reason, made by the HTTP port itself. */
  static Status status(Status.Code code, String description, ErrorReason reason, Map<String, String> metadata) {
    return ErrorDetails.withReason(Status.fromCode(code).withDescription(description), reason, metadata);
  }

  /** The error JSON object of {@code status} with the details found in {@code trailers}. */
  static String json(Status status, Metadata trailers) {
    Json json = new Json();
    write(json, status, trailers);
    return json.toString();
  }

  /** Writes the error object (begin to end) into {@code json}. */
  static void write(Json json, Status status, Metadata trailers) {
    json.begin().field("code", connectCode(status.getCode()));
    if (status.getDescription() != null) {
      json.field("message", status.getDescription());
    }
    byte[] details = trailers == null ? null : trailers.get(DETAILS);
    if (details != null) {
      try {
        com.google.rpc.Status parsed = com.google.rpc.Status.parseFrom(details);
        json.key("details").beginArray();
        for (Any any : parsed.getDetailsList()) {
          String type = any.getTypeUrl().substring(any.getTypeUrl().lastIndexOf('/') + 1);
          json.begin().field("type", type)
              .field("value", Base64.getEncoder().withoutPadding().encodeToString(any.getValue().toByteArray()));
          if (any.is(ErrorInfo.class)) {
            json.key("debug").raw(PRINTER.print(any.unpack(ErrorInfo.class)));
          }
          json.end();
        }
        json.endArray();
      } catch (InvalidProtocolBufferException e) {
        // Details that do not parse are left out; the code and message still say what happened.
      }
    }
    json.end();
  }
}
