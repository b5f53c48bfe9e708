package io.streamkit.reliability;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gRPC interop suite's cases (ping_pong, empty_stream, server-streaming flow control, cancel_after_begin,
 * cancel_after_first_response, timeout_on_sleeping_server, special_status_message, custom_metadata, max message
 * size) ported to StreamKit's own RPCs, through real Netty on loopback.
 */
class InteropCasesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int SIZE_LIMIT = 1024;
  /** Non-ASCII in several scripts, an emoji (a surrogate pair) and characters gRPC percent-encodes. */
  private static final String UNICODE = "naïve café, Grüße, 日本語, ☕ 🚀, 100% \t\r\n ~";

  private static Loopback loopback;

  @BeforeAll
  static void start() {
    loopback = Loopback.start(b -> b.settings(o -> o.maxInboundMessageSize(SIZE_LIMIT)).handler(new TextHandler()));
  }

  @AfterAll
  static void stop() throws Exception {
    loopback.close();
  }

  /** Route {@code text}: replies with the UTF-8 of the binary header {@code x-text-bin}, or fails with it. */
  static final class TextHandler implements MessageHandler {
    static final Metadata.Key<byte[]> TEXT = Metadata.Key.of("x-text-bin", Metadata.BINARY_BYTE_MARSHALLER);

    @Override
    public String route() {
      return "text";
    }

    @Override
    public void onMessage(StreamContext context, Message message) {
      String text = new String(context.requestHeaders().get(TEXT), UTF_8);
      if (message.getPayload().toStringUtf8().equals("fail")) {
        context.close(Status.FAILED_PRECONDITION.withDescription(text));
      } else {
        context.reply(message, Message.newBuilder().setPayload(ByteString.copyFromUtf8(text)).build());
      }
    }
  }

  private static Message echo(String id, ByteString payload) {
    return Message.newBuilder().setId(id).setRoute("echo").setPayload(payload).build();
  }

  private static <ReqT, RespT> ClientCall<ReqT, RespT> call(io.grpc.MethodDescriptor<ReqT, RespT> method,
      CallOptions options) {
    return loopback.channel.newCall(method, options);
  }

  @Test
  void chatPingPongOfFourMessagesGetsFourRepliesInOrder() throws Exception {
    Recorder<Message> replies = new Recorder<>();
    ClientCall<Message, Message> chat = call(StreamServiceGrpc.getChatMethod(), CallOptions.DEFAULT);
    chat.start(replies, new Metadata());
    chat.request(Integer.MAX_VALUE);
    int[] sizes = {271, 8, 828, 459}; // the interop suite's sizes, scaled under the 1 KiB limit
    for (int i = 0; i < 4; i++) {
      // Each request waits for the previous reply: a ping-pong, not a pipeline.
      chat.sendMessage(echo("m" + i, ByteString.copyFrom(new byte[sizes[i]])));
      int expected = i + 1;
      await().atMost(WAIT).until(() -> replies.values.size() >= expected);
    }
    chat.halfClose();

    assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
    assertThat(replies.values).extracting(Message::getCorrelationId).containsExactly("m0", "m1", "m2", "m3");
    assertThat(replies.values).extracting(m -> m.getPayload().size()).containsExactly(271, 8, 828, 459);
  }

  @Test
  void anEmptyChatStreamEndsOkWithNoReply() throws Exception {
    Recorder<Message> replies = new Recorder<>();
    ClientCall<Message, Message> chat = call(StreamServiceGrpc.getChatMethod(), CallOptions.DEFAULT);
    chat.start(replies, new Metadata());
    chat.request(Integer.MAX_VALUE);
    chat.halfClose();

    assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
    assertThat(replies.values).isEmpty();
  }

  @Test
  void subscribeDeliversOneEventPerRequestAndNeverEarly() throws Exception {
    for (int i = 1; i <= 5; i++) {
      loopback.server.broker().publish("interop.flow", ByteString.copyFromUtf8("e" + i), Map.of()).join();
    }
    Recorder<Event> events = new Recorder<>();
    ClientCall<SubscribeRequest, Event> sub = call(StreamServiceGrpc.getSubscribeMethod(), CallOptions.DEFAULT);
    sub.start(events, new Metadata());
    sub.sendMessage(SubscribeRequest.newBuilder()
        .addTopics(TopicSubscription.newBuilder().setTopic("interop.flow").setAfterOffset(0)).build());
    sub.halfClose();

    for (int n = 1; n <= 5; n++) {
      sub.request(1);
      int expected = n;
      await().atMost(WAIT).until(() -> events.values.size() >= expected);
      // Five events are ready on the server; only as many as requested may arrive.
      await().during(Duration.ofMillis(150)).atMost(WAIT).until(() -> events.values.size() == expected);
    }
    assertThat(events.values).extracting(Event::getOffset).containsExactly(1L, 2L, 3L, 4L, 5L);
    sub.cancel("done", null);
    assertThat(events.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.CANCELLED);
  }

  @Test
  void chatCancelledRightAfterStartEndsCancelledAndLeavesNoStreamRegistered() throws Exception {
    int before = openStreamsWhenQuiet();
    Recorder<Message> replies = new Recorder<>();
    ClientCall<Message, Message> chat = call(StreamServiceGrpc.getChatMethod(), CallOptions.DEFAULT);
    chat.start(replies, new Metadata());
    chat.request(1);
    chat.sendMessage(echo("1", ByteString.EMPTY)); // makes sure the stream reached the server
    chat.cancel("client gave up", null);

    assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.CANCELLED);
    await().atMost(WAIT).until(() -> loopback.server.stats().openStreams() == before);
  }

  @Test
  void subscribeCancelledAfterStartAndAfterTheFirstEventEndsCancelledAndLeavesNoSubscription() throws Exception {
    int before = openStreamsWhenQuiet();
    // After start: the subscription is registered but nothing was published yet.
    Recorder<Event> early = subscribe("interop.cancel");
    await().atMost(WAIT).until(() -> subscribers("interop.cancel") == 1);
    cancel(early);

    // After the first event.
    Recorder<Event> late = subscribe("interop.cancel");
    await().atMost(WAIT).until(() -> subscribers("interop.cancel") == 1);
    loopback.server.broker().publish("interop.cancel", ByteString.copyFromUtf8("x"), Map.of()).join();
    await().atMost(WAIT).until(() -> late.values.size() == 1);
    cancel(late);

    await().atMost(WAIT).until(() -> subscribers("interop.cancel") == 0);
    await().atMost(WAIT).until(() -> loopback.server.stats().openStreams() == before);
  }

  private ClientCall<SubscribeRequest, Event> lastSubscribe;

  private Recorder<Event> subscribe(String topic) {
    Recorder<Event> events = new Recorder<>();
    lastSubscribe = call(StreamServiceGrpc.getSubscribeMethod(), CallOptions.DEFAULT);
    lastSubscribe.start(events, new Metadata());
    lastSubscribe.request(10);
    lastSubscribe.sendMessage(SubscribeRequest.newBuilder()
        .addTopics(TopicSubscription.newBuilder().setTopic(topic)).build());
    lastSubscribe.halfClose();
    return events;
  }

  private void cancel(Recorder<Event> events) throws InterruptedException {
    lastSubscribe.cancel("client gave up", null);
    assertThat(events.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.CANCELLED);
  }

  private static int subscribers(String topic) {
    return ((io.streamkit.server.broker.InMemoryBroker) loopback.server.broker()).subscriberCount(topic);
  }

  /** Other tests of this class may still be ending their streams; count only once that settled. */
  private static int openStreamsWhenQuiet() {
    await().atMost(WAIT).until(() -> loopback.server.stats().openStreams() == 0);
    return 0;
  }

  @Test
  void aOneMillisecondDeadlineEndsDeadlineExceeded() throws Exception {
    Recorder<Message> replies = new Recorder<>();
    ClientCall<Message, Message> chat = call(StreamServiceGrpc.getChatMethod(),
        CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.MILLISECONDS));
    chat.start(replies, new Metadata());
    chat.request(Integer.MAX_VALUE);
    chat.sendMessage(echo("1", ByteString.copyFrom(new byte[500])));
    // No half-close: the stream stays open, so only the deadline can end it.

    assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    await().atMost(WAIT).until(() -> loopback.server.stats().openStreams() == 0);
  }

  @Test
  void nonAsciiStatusMessagesMetadataAndMessageHeadersRoundTripExactly() throws Exception {
    Metadata headers = new Metadata();
    headers.put(TextHandler.TEXT, UNICODE.getBytes(UTF_8));
    io.grpc.Channel channel = io.grpc.ClientInterceptors.intercept(loopback.channel,
        MetadataUtils.newAttachHeadersInterceptor(headers));

    // Metadata in, payload out; message headers (a string map) through echo.
    Recorder<Message> replies = new Recorder<>();
    ClientCall<Message, Message> chat = channel.newCall(StreamServiceGrpc.getChatMethod(), CallOptions.DEFAULT);
    chat.start(replies, new Metadata());
    chat.request(Integer.MAX_VALUE);
    chat.sendMessage(Message.newBuilder().setId("1").setRoute("text").build());
    chat.sendMessage(Message.newBuilder().setId("2").setRoute("echo").putHeaders("note-" + UNICODE, UNICODE).build());
    chat.halfClose();
    assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
    assertThat(replies.values.get(0).getPayload().toStringUtf8()).isEqualTo(UNICODE);
    assertThat(replies.values.get(1).getHeadersMap()).containsExactly(Map.entry("note-" + UNICODE, UNICODE));

    // A status description the handler sets, percent-encoded on the wire by gRPC.
    Recorder<Message> failed = new Recorder<>();
    ClientCall<Message, Message> failing = channel.newCall(StreamServiceGrpc.getChatMethod(), CallOptions.DEFAULT);
    failing.start(failed, new Metadata());
    failing.request(Integer.MAX_VALUE);
    failing.sendMessage(Message.newBuilder().setId("1").setRoute("text")
        .setPayload(ByteString.copyFromUtf8("fail")).build());
    Status status = failed.awaitStatus(WAIT);
    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).isEqualTo(UNICODE);

    // A status description the server writes itself, quoting the client's text.
    Recorder<Event> rejected = new Recorder<>();
    ClientCall<SubscribeRequest, Event> sub = call(StreamServiceGrpc.getSubscribeMethod(), CallOptions.DEFAULT);
    sub.start(rejected, new Metadata());
    sub.sendMessage(SubscribeRequest.newBuilder()
        .addTopics(TopicSubscription.newBuilder().setTopic("café")).build());
    sub.halfClose();
    Status invalid = rejected.awaitStatus(WAIT);
    assertThat(invalid.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(invalid.getDescription())
        .isEqualTo("topic 'café' has the character 'é' at index 3 (expected: only [A-Za-z0-9._:/-])");
  }

  @Test
  void aMessageExactlyAtTheSizeLimitPassesAndOneByteMoreIsResourceExhausted() throws Exception {
    Message atLimit = sized(SIZE_LIMIT);
    Message overLimit = sized(SIZE_LIMIT + 1);
    assertThat(atLimit.getSerializedSize()).isEqualTo(SIZE_LIMIT);
    assertThat(overLimit.getSerializedSize()).isEqualTo(SIZE_LIMIT + 1);

    Recorder<Message> ok = chatOnce(atLimit);
    assertThat(ok.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
    assertThat(ok.values).hasSize(1);
    assertThat(ok.values.get(0).getPayload()).isEqualTo(atLimit.getPayload());

    Status over = chatOnce(overLimit).awaitStatus(WAIT);
    assertThat(over.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(over.getDescription())
        .isEqualTo("gRPC message exceeds maximum size " + SIZE_LIMIT + ": " + (SIZE_LIMIT + 1));
  }

  /**
   * An echo message whose serialized size is exactly {@code bytes}: the payload's length prefix is a varint, so
   * search the payload length rather than compute it.
   */
  static Message sized(int bytes) {
    for (int payload = bytes; payload >= 0; payload--) {
      Message m = echo("x", ByteString.copyFrom(new byte[payload]));
      if (m.getSerializedSize() == bytes) {
        return m;
      }
    }
    throw new AssertionError("no payload length gives a message of " + bytes + " bytes");
  }

  private static Recorder<Message> chatOnce(Message message) {
    Recorder<Message> replies = new Recorder<>();
    ClientCall<Message, Message> chat = call(StreamServiceGrpc.getChatMethod(), CallOptions.DEFAULT);
    chat.start(replies, new Metadata());
    chat.request(Integer.MAX_VALUE);
    chat.sendMessage(message);
    chat.halfClose();
    return replies;
  }
}
