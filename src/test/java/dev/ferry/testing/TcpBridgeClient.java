package dev.ferry.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One connection to a node's TCP event-bus bridge, spoken by hand as a client in another language
 * would: a 4-byte big-endian length, then a JSON frame. {@link #send} asks for a reply at a fresh
 * reply address each time. Reads wait 10 s at most.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class TcpBridgeClient implements AutoCloseable {
  /** The frame header that carries a user's credentials ({@code Basic ...} or {@code Bearer ...}). */
  public static final String AUTHORIZATION = "authorization";
  private static final int READ_TIMEOUT_MS = 10_000;

  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private int replies;

  /** Connects to the TCP bridge on 127.0.0.1:{@code port}. */
  public TcpBridgeClient(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(READ_TIMEOUT_MS);
    in = new DataInputStream(socket.getInputStream());
    out = new DataOutputStream(socket.getOutputStream());
  }

  /** The socket, for tests that change its read timeout. */
  public Socket socket() {
    return socket;
  }

  /** Writes one frame as it is. */
  public void write(JsonObject frame) throws IOException {
    byte[] bytes = frame.encode().getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
    out.flush();
  }

  /** The next frame the bridge sends (the reply to the last request, when the bridge let it through). */
  public JsonObject read() throws IOException {
    byte[] bytes = new byte[in.readInt()];
    in.readFully(bytes);
    return new JsonObject(new String(bytes, StandardCharsets.UTF_8));
  }

  /** A request to {@code address}, with {@code authorization} in its headers unless null. */
  public void send(String address, JsonObject body, String authorization) throws IOException {
    JsonObject frame = new JsonObject().put("type", "send").put("address", address)
        .put("replyAddress", "r" + ++replies).put("body", body);
    if (authorization != null) {
      frame.put("headers", new JsonObject().put(AUTHORIZATION, authorization));
    }
    write(frame);
  }

  /** The last frame was refused: the guard's {@code access_denied}, then the TCP bridge's own refusal frame. */
  public void expectDenied() throws IOException {
    JsonObject denied = read();
    assertThat(denied.getString("type")).as(denied.encode()).isEqualTo("err");
    assertThat(denied.getString("message")).isEqualTo("access_denied");
    read();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
