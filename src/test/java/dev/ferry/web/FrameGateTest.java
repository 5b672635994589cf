package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.ConfigLayers;
import dev.ferry.core.ConfigSection;
import dev.ferry.testing.Eventually;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * {@link FrameGate} between a real socket and a stand-in for the bridge's frame parser: bytes that
 * pass reach the parser unchanged however the client splits them, a frame's length is checked at
 * its prefix, and a socket may send full-size frames only once it has shown the token.
 */
@Timeout(60)
class FrameGateTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int MAX_FRAME = 4096;
  private static final int MAX_UNAUTHENTICATED = 256;

  private final Vertx vertx = Vertx.vertx();
  /** What the gate let through to the parser, and the gate of the one socket. */
  private final Buffer passed = Buffer.buffer();
  private final AtomicReference<FrameGate> gate = new AtomicReference<>();
  private final AtomicReference<Context> context = new AtomicReference<>();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private int listen(String token) {
    JsonObject section = ConfigLayers.defaults().getJsonObject("bridge").copy()
        .put("token", token).put("tcp_port", 1).put("max_frame_bytes", MAX_FRAME)
        .put("max_unauthenticated_frame_bytes", MAX_UNAUTHENTICATED);
    BridgeConfig config = BridgeConfig.from(ConfigSection.of("bridge", section));
    FrameBudget budget = FrameBudget.of(vertx, config.maxBufferedBytes());
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      FrameGate g = new FrameGate(vertx, socket, config, config.token().isPresent(), budget,
          new ThrottledLog(LoggerFactory.getLogger("test")));
      g.parser(chunk -> {
        synchronized (passed) {
          passed.appendBuffer(chunk);
        }
      });
      socket.handler(g);
      g.start();
      context.set(vertx.getOrCreateContext());
      gate.set(g);
    });
    return server.listen(0, "127.0.0.1").await().actualPort();
  }

  private static byte[] frame(int bodyBytes) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(bodyBytes);
    out.write("x".repeat(bodyBytes).getBytes(StandardCharsets.US_ASCII));
    return bytes.toByteArray();
  }

  private int passedBytes() {
    synchronized (passed) {
      return passed.length();
    }
  }

  @Test
  void framesPassUnchangedWhetherSplitByteByByteOrSentSeveralInOneWrite() throws Exception {
    int port = listen(null);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.write(frame(10));
    all.write(frame(0));
    all.write(frame(MAX_FRAME));
    byte[] several = all.toByteArray();
    byte[] split = frame(100);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      OutputStream out = socket.getOutputStream();
      out.write(several);
      for (byte b : split) {
        out.write(b);
        out.flush();
      }
      Eventually.await("every byte to reach the parser", WAIT, () -> passedBytes() == several.length + split.length);
    }
    synchronized (passed) {
      assertThat(passed.getBytes(0, several.length)).isEqualTo(several);
      assertThat(passed.getBytes(several.length, passed.length())).isEqualTo(split);
    }
  }

  @Test
  void aFrameOverTheLimitIsRefusedAtItsPrefix() throws Exception {
    int port = listen(null);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.getOutputStream().write(frame(10));
      socket.getOutputStream().write(new byte[] {0, 0, 0x10, 0x01});   // 4097 bytes declared
      socket.getOutputStream().flush();
      socket.setSoTimeout((int) WAIT.toMillis());
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).contains("frame_too_large", "4097", "bridge.max_frame_bytes");
    }
    assertThat(passedBytes()).as("only the frame before it").isEqualTo(14);
  }

  @Test
  void onlyASocketThatShowedTheTokenMaySendFullSizeFrames() throws Exception {
    int port = listen("secret");
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.getOutputStream().write(frame(MAX_UNAUTHENTICATED));
      Eventually.await("the small frame to pass", WAIT, () -> passedBytes() == MAX_UNAUTHENTICATED + 4);
      // as the bridge event of a frame that carried the token does, on the socket's event loop
      var done = new CompletableFuture<Void>();
      context.get().runOnContext(x -> {
        gate.get().authenticated();
        done.complete(null);
      });
      done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      socket.getOutputStream().write(frame(MAX_FRAME));
      Eventually.await("the full-size frame to pass", WAIT,
          () -> passedBytes() == MAX_UNAUTHENTICATED + 4 + MAX_FRAME + 4);
    }
  }

  @Test
  void beforeTheTokenAFrameOverTheSmallLimitIsRefused() throws Exception {
    int port = listen("secret");
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.getOutputStream().write(frame(MAX_UNAUTHENTICATED + 1));
      socket.setSoTimeout((int) WAIT.toMillis());
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).contains("frame_too_large", "bridge.max_unauthenticated_frame_bytes");
    }
    assertThat(passedBytes()).isZero();
  }
}
