package dev.ferry.raft.impl;

import dev.ferry.core.Addresses;
import io.microraft.RaftEndpoint;
import io.microraft.model.message.RaftMessage;
import io.microraft.transport.Transport;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MicroRaft's transport over the event bus: each message is encoded as JSON ({@link ModelCodec})
 * and sent, fire and forget, to {@code ferry.raft.<group>.<node>}. Raft tolerates lost messages
 * (it resends), so a message that cannot be encoded or sent is dropped and logged, never thrown.
 *
 * <p>Thread-safe; called on the group's Raft executor. {@link #isReachable} asks cluster
 * membership whether the node is up.
 */
final class BusTransport implements Transport {
  private static final Logger log = LoggerFactory.getLogger(BusTransport.class);

  private final Vertx vertx;
  private final String group;
  private final ModelCodec codec;
  private final Predicate<String> nodeUp;

  BusTransport(Vertx vertx, String group, ModelCodec codec, Predicate<String> nodeUp) {
    this.vertx = vertx;
    this.group = group;
    this.codec = codec;
    this.nodeUp = nodeUp;
  }

  @Override
  public void send(RaftEndpoint target, RaftMessage message) {
    try {
      Buffer body = Buffer.buffer(codec.encodeMessage(message));
      vertx.eventBus().send(Addresses.raftPeer(group, NodeEndpoint.nameOf(target)), body);
    } catch (RuntimeException e) {
      log.warn("group {}: dropped a {} to {}: {}", group, message.getClass().getSimpleName(), target, e.toString());
    }
  }

  @Override
  public boolean isReachable(RaftEndpoint endpoint) {
    return nodeUp.test(NodeEndpoint.nameOf(endpoint));
  }
}
