package dev.ferry.web;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.eventbus.bridge.tcp.impl.protocol.FrameHelper;
import java.time.Duration;

/**
 * Stands between a TCP bridge socket and the bridge's frame parser and checks each frame as its
 * 4-byte length prefix arrives, before any of its body is buffered: a frame longer than
 * {@code bridge.max_frame_bytes} (or, while the socket has not yet logged in or shown the token,
 * {@code bridge.max_unauthenticated_frame_bytes}), or one that does not fit in the node's
 * {@link FrameBudget}, gets an {@code err} frame and the socket is closed. A socket that sends no
 * whole first frame (with users or a token: no frame with valid credentials) within
 * {@code bridge.header_timeout_ms}, or takes longer than {@code bridge.body_timeout_ms} for one
 * frame, is closed too. Bytes that pass go on unchanged, each whole frame as soon as it is whole,
 * so the bridge can authenticate the socket before the next prefix is checked.
 *
 * <p>One per socket, used on the socket's event loop only.
 */
final class FrameGate implements Handler<Buffer> {
  private static final int PREFIX = 4;

  private final Vertx vertx;
  private final NetSocket socket;
  private final BridgeConfig config;
  private final FrameBudget budget;
  private final ThrottledLog log;
  private final String remote;
  private final boolean needsCredentials;
  private final byte[] prefix = new byte[PREFIX];
  private Handler<Buffer> parser;
  private boolean authenticated;
  private boolean refused;
  private int prefixFill;
  /** Body bytes of the current frame still to come, once its prefix is whole. */
  private long remaining = -1;
  /** What the current frame reserved in the budget. */
  private long reservedBytes;
  private long headerTimer = -1;
  private long bodyTimer = -1;

  /** {@code needsCredentials}: whether the socket must log in or show the token before it may send big frames. */
  FrameGate(Vertx vertx, NetSocket socket, BridgeConfig config, boolean needsCredentials, FrameBudget budget,
      ThrottledLog log) {
    this.vertx = vertx;
    this.socket = socket;
    this.config = config;
    this.budget = budget;
    this.log = log;
    this.remote = String.valueOf(socket.remoteAddress());
    this.needsCredentials = needsCredentials;
    this.authenticated = !needsCredentials;
  }

  /** Starts the header timeout; call once, when the socket connects. */
  void start() {
    Duration timeout = config.limits().headerTimeout();
    headerTimer = vertx.setTimer(timeout.toMillis(), t -> {
      headerTimer = -1;
      refuse("timeout", (needsCredentials ? "no frame carrying valid credentials (or the bridge token)" : "no whole frame")
          + " within " + timeout.toMillis() + " ms (bridge.header_timeout_ms)");
    });
  }

  /** Where the bytes that pass go (the bridge's frame parser). */
  void parser(Handler<Buffer> parser) {
    this.parser = parser;
  }

  /** The socket logged in, or a frame carried the right token: from now on it may send frames up to the full size. */
  void authenticated() {
    authenticated = true;
    cancelHeaderTimer();
  }

  /** The socket closed: what its unfinished frame reserved is given back, and the timers stop. */
  void closed() {
    refused = true;
    releaseFrame();
    cancelHeaderTimer();
    cancelBodyTimer();
  }

  @Override
  public void handle(Buffer chunk) {
    int from = 0;
    int pos = 0;
    int length = chunk.length();
    while (pos < length && !refused) {
      if (remaining < 0) {
        if (prefixFill == 0) {
          startBodyTimer();
        }
        prefix[prefixFill++] = chunk.getByte(pos++);
        if (prefixFill == PREFIX && !admit(Integer.toUnsignedLong(Buffer.buffer(prefix).getInt(0)))) {
          return;
        }
      } else {
        int take = (int) Math.min(remaining, length - pos);
        pos += take;
        remaining -= take;
      }
      if (remaining == 0) {
        frameDone();
        pass(chunk, from, pos);
        from = pos;
      }
    }
    if (!refused && from < length) {
      pass(chunk, from, length);
    }
  }

  /** Checks a frame's declared length; false when the socket was refused for it. */
  private boolean admit(long declared) {
    long max = authenticated ? config.maxFrameBytes() : config.maxUnauthenticatedFrameBytes();
    if (declared > max) {
      refuse("frame_too_large", "a frame declares " + declared + " bytes, more than the " + max + " allowed ("
          + (authenticated ? "bridge.max_frame_bytes" : "bridge.max_unauthenticated_frame_bytes: send the "
          + "credentials (header authorization) or the bridge token in the headers of the first frame") + ")");
      return false;
    }
    if (!budget.tryReserve(declared)) {
      refuse("busy", "the node buffers at most " + budget.max() + " bytes of unfinished frames "
          + "(bridge.max_buffered_bytes) and is at that bound: reconnect and retry later");
      return false;
    }
    reservedBytes = declared;
    remaining = declared;
    return true;
  }

  private void frameDone() {
    releaseFrame();
    cancelBodyTimer();
    prefixFill = 0;
    remaining = -1;
    if (!needsCredentials) {
      cancelHeaderTimer();
    }
  }

  private void pass(Buffer chunk, int from, int to) {
    if (parser != null && to > from) {
      parser.handle(from == 0 && to == chunk.length() ? chunk : chunk.getBuffer(from, to));
    }
  }

  private void startBodyTimer() {
    Duration timeout = config.limits().bodyTimeout();
    bodyTimer = vertx.setTimer(timeout.toMillis(), t -> {
      bodyTimer = -1;
      refuse("timeout", "no whole frame within " + timeout.toMillis() + " ms of its first byte "
          + "(bridge.body_timeout_ms)");
    });
  }

  private void refuse(String code, String why) {
    if (refused) {
      return;
    }
    refused = true;
    log.warn("TCP bridge: closed the socket of " + remote + ": " + why);
    FrameHelper.sendErrFrame(code + ": " + why, socket);
    socket.close();
    closed();
  }

  private void releaseFrame() {
    if (reservedBytes > 0) {
      budget.release(reservedBytes);
      reservedBytes = 0;
    }
  }

  private void cancelHeaderTimer() {
    if (headerTimer >= 0) {
      vertx.cancelTimer(headerTimer);
      headerTimer = -1;
    }
  }

  private void cancelBodyTimer() {
    if (bodyTimer >= 0) {
      vertx.cancelTimer(bodyTimer);
      bodyTimer = -1;
    }
  }
}
