package io.streamkit.server.internal.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.StatusRuntimeException;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.api.v1.Message;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** GreeterWire's marshallers agree with the generated MessageRequest and MessageResponse on every byte. */
class GreeterWireMarshallersTest {
  private static final List<Integer> LENGTHS = List.of(0, 1, 31, 127, 128, 129, 4096, 4097, 16383, 16384, 70_000);

  /** As grpc-java hands over a received message: its size known. */
  private static final class Received extends ByteArrayInputStream implements KnownLength {
    Received(byte[] bytes) {
      super(bytes);
    }
  }

  private static Message reply(String text) {
    return Message.newBuilder().setRoute(GreeterHandler.ROUTE).setPayload(ByteString.copyFromUtf8(text)).build();
  }

  @Test
  void aReplyDrainedOrReadIsTheGeneratedMessageResponseForEveryLengthClass() throws Exception {
    for (int length : LENGTHS) {
      String text = "é".repeat(length / 2) + "x".repeat(length % 2);
      byte[] expected = MessageResponse.newBuilder().setReply(text).build().toByteArray();

      InputStream drained = GreeterWire.RESPONSE.stream(reply(text));
      assertThat(drained.available()).as("size of %d bytes", length).isEqualTo(expected.length);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      assertThat(((Drainable) drained).drainTo(out)).isEqualTo(expected.length);
      assertThat(out.toByteArray()).as("drained, %d bytes", length).isEqualTo(expected);
      assertThat(drained.read()).isEqualTo(-1);

      InputStream read = GreeterWire.RESPONSE.stream(reply(text));
      assertThat(read.readAllBytes()).as("read, %d bytes", length).isEqualTo(expected);
    }
  }

  @Test
  void aRequestOfEveryLengthClassBecomesAGreeterMessageWithTheContentBytesAsPayload() {
    for (int length : LENGTHS) {
      String text = "ü".repeat(length / 2) + "y".repeat(length % 2);
      byte[] bytes = MessageRequest.newBuilder().setContent(text).build().toByteArray();

      Message parsed = GreeterWire.REQUEST.parse(new Received(bytes));

      assertThat(parsed.getRoute()).isEqualTo(GreeterHandler.ROUTE);
      assertThat(parsed.getPayload().toStringUtf8()).as("%d bytes", length).isEqualTo(text);
    }
  }

  @Test
  void randomRequestsWithUnknownFieldsParseToWhatTheGeneratedParserReads() throws Exception {
    Random random = new Random(7);
    for (int i = 0; i < 2_000; i++) {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(buffer);
      for (int f = random.nextInt(5); f > 0; f--) {
        int field = 1 + random.nextInt(4);
        switch (random.nextInt(4)) {
          case 0 -> out.writeUInt64(field, random.nextLong());
          case 1 -> out.writeFixed32(field, random.nextInt());
          case 2 -> out.writeFixed64(field, random.nextLong());
          default -> out.writeString(field, "t".repeat(random.nextInt(300)));
        }
      }
      out.flush();
      byte[] bytes = buffer.toByteArray();
      String expected = MessageRequest.parseFrom(bytes).getContent();

      InputStream stream = random.nextBoolean() ? new Received(bytes) : new ByteArrayInputStream(bytes);
      assertThat(GreeterWire.REQUEST.parse(stream).getPayload().toStringUtf8()).isEqualTo(expected);
    }
  }

  @Test
  void truncatedBytesAndTextThatIsNotUtf8AreRejectedWithAStatusThatSaysWhy() {
    assertThatThrownBy(() -> GreeterWire.REQUEST.parse(new Received(new byte[] {0x0a, 5, 'a'})))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getDescription()).isEqualTo("Invalid protobuf byte sequence"));
    assertThatThrownBy(() -> GreeterWire.REQUEST.parse(new Received(new byte[] {0x0a, 1, (byte) 0xff})))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getDescription()).isEqualTo("field content (1) is not valid UTF-8"));
  }
}
