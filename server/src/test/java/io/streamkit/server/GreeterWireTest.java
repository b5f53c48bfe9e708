package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.testing.RawMethods;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * example.Greeter/Chat read and written as raw bytes: what the server sends is byte for byte what the generated
 * MessageResponse encodes, whatever a client of another language sends it.
 */
class GreeterWireTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final MethodDescriptor<byte[], byte[]> RAW_CHAT =
      RawMethods.of("example.Greeter/Chat", MethodDescriptor.MethodType.BIDI_STREAMING);

  private static RecordingObserver<byte[]> exchange(LoopbackServer s, List<byte[]> requests) {
    RecordingObserver<byte[]> replies = new RecordingObserver<>();
    StreamObserver<byte[]> out =
        ClientCalls.asyncBidiStreamingCall(s.channel.newCall(RAW_CHAT, CallOptions.DEFAULT), replies);
    requests.forEach(out::onNext);
    out.onCompleted();
    return replies;
  }

  private static byte[] request(String content) {
    return MessageRequest.newBuilder().setContent(content).build().toByteArray();
  }

  private static byte[] expectedReply(String content) {
    return MessageResponse.newBuilder().setReply("Received: " + content).build().toByteArray();
  }

  @Test
  void repliesAreByteForByteTheGeneratedMessageResponseForShortLongEmptyAndNonAsciiText() throws Exception {
    List<String> contents = List.of("", "hello", "héllo wörld ✓ 𝄞", "x".repeat(200), "y".repeat(70_000));
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<byte[]> replies = exchange(s, contents.stream().map(GreeterWireTest::request).toList());

      assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).hasSize(contents.size());
      for (int i = 0; i < contents.size(); i++) {
        assertThat(replies.values.get(i)).as("reply to request %d", i).isEqualTo(expectedReply(contents.get(i)));
      }
    }
  }

  @Test
  void unknownFieldsAndAWrongWireTypeForContentAreSkippedAsTheGeneratedParserSkipsThem() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeUInt64(1, 42); // field 1 as a varint: not `content` for the generated parser either
    out.writeString(1, "first");
    out.writeUInt64(2, 7);
    out.writeBytes(3, ByteString.copyFromUtf8("ignored"));
    out.writeFixed32(4, 9);
    out.writeFixed64(5, 9);
    out.writeString(1, "last wins");
    out.writeString(15, "after");
    out.flush();
    byte[] request = bytes.toByteArray();
    assertThat(MessageRequest.parseFrom(request).getContent()).isEqualTo("last wins");

    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<byte[]> replies = exchange(s, List.of(request, new byte[0]));

      assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
      assertThat(replies.values).containsExactly(expectedReply("last wins"), expectedReply(""));
    }
  }

  @Test
  void contentThatIsNotUtf8EndsTheStreamWithInvalidArgumentNamingTheField() throws Exception {
    byte[] notUtf8 = {0x0a, 3, 'a', (byte) 0xc3, 0x28}; // content = "a" then a broken 2-byte sequence
    try (LoopbackServer s = LoopbackServer.start()) {
      List<byte[]> requests = new ArrayList<>(List.of(request("before"), notUtf8, request("after")));
      RecordingObserver<byte[]> replies = exchange(s, requests);

      Status status = replies.awaitStatus(WAIT);
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).isEqualTo("a request of example.Greeter/Chat is not a valid "
          + "MessageRequest: field content (1) is not valid UTF-8 (expected: the bytes of one protobuf message)");
      assertThat(replies.values).containsExactly(expectedReply("before"));
    }
  }

  @Test
  void bytesThatAreNoMessageEndTheStreamWithInvalidArgumentNamingTheType() throws Exception {
    byte[] truncated = {0x0a, 10, 'a'}; // content claims 10 bytes, 1 follows
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<byte[]> replies = exchange(s, List.of(truncated));

      Status status = replies.awaitStatus(WAIT);
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).isEqualTo("a request of example.Greeter/Chat is not a valid "
          + "MessageRequest: Invalid protobuf byte sequence (expected: the bytes of one protobuf message)");
      assertThat(replies.values).isEmpty();
    }
  }
}
