package dev.ferry.circuit.filesync;

import dev.ferry.circuit.Circuit;
import dev.ferry.circuit.LocalPeer;
import dev.ferry.circuit.PeerService;
import dev.ferry.core.NodeContext;
import io.vertx.core.Context;
import io.vertx.core.streams.ReadStream;

/**
 * The {@code filesync} peer service, registered on every node: each circuit opened to a filesync
 * peer carries one file into this node's file root ({@code filesync.root}). The same service runs
 * the sending side of {@code ferry copy}, whose peer simply opens circuits instead of accepting
 * them. Stateless: each circuit's state lives in its {@link FileReceiver}, on the peer's context.
 */
public final class FileSyncService implements PeerService {
  public static final String NAME = "filesync";

  private final FileSyncConfig config;

  /** Reads the node's {@code filesync} settings: a bad value fails the node's start, naming its key. */
  public FileSyncService(NodeContext node) {
    this.config = FileSyncConfig.of(node);
  }

  public FileSyncConfig config() {
    return config;
  }

  @Override
  public void start(LocalPeer me, Context ctx, ReadStream<Circuit> newCircuits) {
    newCircuits.handler(circuit -> new FileReceiver(ctx.owner(), ctx, circuit, config.root()).start());
  }
}
