package io.streamkit.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A misbehaving HTTP/2 client on a plain socket: writes frames byte by byte as told, with nothing checked or
 * answered, so tests can send what no well-behaved library would (partial frames, floods, endless
 * CONTINUATION). Thread-compatible; close it.
 */
public final class RawHttp2 implements AutoCloseable {
  public static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  public static final int DATA = 0x0, HEADERS = 0x1, SETTINGS = 0x4, PING = 0x6, WINDOW_UPDATE = 0x8, CONTINUATION = 0x9;
  public static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
  public static final int END_STREAM = 0x1, END_HEADERS = 0x4;

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  /** What {@link #closedByServerWithin} read and discarded, for failure messages. */
  long bytesRead;
  final java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();

  /** The types and stream ids of the frames at the start of what was read, e.g. "PING/0". */
  public java.util.List<String> framesRead() {
    byte[] b = head.toByteArray();
    java.util.List<String> frames = new java.util.ArrayList<>();
    int i = 0;
    while (i + 9 <= b.length) {
      int len = ((b[i] & 0xff) << 16) | ((b[i + 1] & 0xff) << 8) | (b[i + 2] & 0xff);
      int type = b[i + 3] & 0xff;
      int id = ((b[i + 5] & 0x7f) << 24) | ((b[i + 6] & 0xff) << 16) | ((b[i + 7] & 0xff) << 8) | (b[i + 8] & 0xff);
      frames.add(type + "/" + id + "/" + len);
      i += 9 + len;
    }
    return frames;
  }

  private RawHttp2(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = socket.getInputStream();
  }

  /** A TCP connection from 127.0.0.1 with nothing sent yet. */
  public static RawHttp2 connect(int port) throws IOException {
    return connect(port, "127.0.0.1");
  }

  /**
   * A TCP connection from {@code localAddress}, with nothing sent yet. Any 127.x.y.z address works on Linux
   * (all of 127/8 is loopback), so a test can play clients on several hosts.
   */
  public static RawHttp2 connect(int port, String localAddress) throws IOException {
    Socket s = new Socket();
    s.bind(new java.net.InetSocketAddress(localAddress, 0));
    // An attacker that does not read: a small window makes the server's answers back up at once, as they would
    // across a real network, instead of vanishing into megabytes of loopback buffers.
    s.setReceiveBufferSize(4096);
    s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
    s.setTcpNoDelay(true);
    return new RawHttp2(s);
  }

  /** A connection from 127.0.0.1 that sent the client preface and an empty SETTINGS frame, as every client starts. */
  public static RawHttp2 handshake(int port) throws IOException {
    return handshake(port, "127.0.0.1");
  }

  /** {@link #handshake(int)} from {@code localAddress} (see {@link #connect(int, String)}). */
  public static RawHttp2 handshake(int port, String localAddress) throws IOException {
    RawHttp2 c = connect(port, localAddress);
    c.write(PREFACE);
    c.frame(SETTINGS, 0, 0, new byte[0]);
    return c;
  }

  public void write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  public static byte[] frameBytes(int type, int flags, int streamId, byte[] payload) {
    byte[] f = new byte[9 + payload.length];
    f[0] = (byte) (payload.length >>> 16);
    f[1] = (byte) (payload.length >>> 8);
    f[2] = (byte) payload.length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    f[5] = (byte) ((streamId >>> 24) & 0x7f);
    f[6] = (byte) (streamId >>> 16);
    f[7] = (byte) (streamId >>> 8);
    f[8] = (byte) streamId;
    System.arraycopy(payload, 0, f, 9, payload.length);
    return f;
  }

  public void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
    write(frameBytes(type, flags, streamId, payload));
  }

  /** A DATA frame's payload holding one uncompressed gRPC message: the 5-byte prefix, then the message. */
  public static byte[] grpcMessage(byte[] message) {
    byte[] m = new byte[5 + message.length];
    m[1] = (byte) (message.length >>> 24);
    m[2] = (byte) (message.length >>> 16);
    m[3] = (byte) (message.length >>> 8);
    m[4] = (byte) message.length;
    System.arraycopy(message, 0, m, 5, message.length);
    return m;
  }

  /** A 4-byte big-endian value, as SETTINGS values and WINDOW_UPDATE increments are written. */
  public static byte[] int32(int value) {
    return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
  }

  /** The HPACK block of a gRPC request's headers for {@code path} (e.g. /streamkit.v1.StreamService/Chat). */
  public static byte[] requestHeaderBlock(String path) {
    return requestHeaderBlock(path, 0);
  }

  /** The same, with a header {@code x-big} of {@code extraBytes} characters when that is above 0. */
  public static byte[] requestHeaderBlock(String path, int extraBytes) {
    Http2Headers h = new DefaultHttp2Headers()
        .method("POST").scheme("http").path(path).authority("localhost")
        .add("content-type", "application/grpc").add("te", "trailers");
    if (extraBytes > 0) {
      h.add("x-big", "v".repeat(extraBytes));
    }
    ByteBuf buf = Unpooled.buffer();
    try {
      new DefaultHttp2HeadersEncoder().encodeHeaders(1, h, buf);
      byte[] bytes = new byte[buf.readableBytes()];
      buf.readBytes(bytes);
      return bytes;
    } catch (Http2Exception e) {
      throw new IllegalStateException(e);
    } finally {
      buf.release();
    }
  }

  /**
   * Reads and discards until the server closes the connection; true if it did within {@code timeout}. A reset
   * counts as closed.
   */
  public boolean closedByServerWithin(Duration timeout) throws IOException {
    long end = System.nanoTime() + timeout.toNanos();
    byte[] sink = new byte[8192];
    while (System.nanoTime() < end) {
      socket.setSoTimeout((int) Math.max(1, Math.min(500, (end - System.nanoTime()) / 1_000_000)));
      try {
        int n = in.read(sink);
        if (n < 0) {
          return true;
        }
        bytesRead += n;
        if (head.size() < 65536) {
          head.write(sink, 0, n);
        }
      } catch (SocketTimeoutException e) {
        // nothing yet; look again until the deadline
      } catch (SocketException e) {
        return true; // connection reset by the server
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "RawHttp2{" + socket + ", read " + bytesRead + " bytes}";
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
