package dev.ferry.raft.impl;

import dev.ferry.core.NodeContext;
import dev.ferry.raft.RaftData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * How a node knows it <i>had</i> a store for a group: the endpoint of its latest store
 * ({@code node2}, {@code node2#1}, ...) in {@code <data_dir>/raft-identity/<group>}, outside the
 * {@code raft/} directory the stores live in. A node that finds this file but no store lost its
 * store (deleted, or a disk under {@code raft/} replaced): it must not vote as that member again,
 * because it forgot what it acknowledged, so it comes back as the next generation outside the
 * group (docs/RAFT.md, "Losing or failing a store").
 *
 * <p>Written atomically (a temporary file, fsynced, moved over the old one). Blocking: used on the
 * group's Raft executor, a worker context.
 */
final class StoreIdentity {
  static final String DIRECTORY = RaftData.IDENTITY;

  private final Path file;

  StoreIdentity(NodeContext node, String group) {
    this.file = node.config().dataDir().resolve(DIRECTORY).resolve(group);
  }

  Path file() {
    return file;
  }

  /** The endpoint of the store this node had last, if it ever had one (since this file exists). */
  Optional<NodeEndpoint> read() throws IOException {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    String id = Files.readString(file, StandardCharsets.UTF_8).strip();
    try {
      return Optional.of(NodeEndpoint.parse(id));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + " holds '" + id + "', not a Raft endpoint such as node2 or node2#1", e);
    }
  }

  /** Records that this node's store for the group is now {@code endpoint}'s. */
  void write(NodeEndpoint endpoint) throws IOException {
    Files.createDirectories(file.getParent());
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    byte[] bytes = (endpoint.id() + "\n").getBytes(StandardCharsets.UTF_8);
    DiskFaults.check(temporary, bytes.length);
    try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      channel.write(ByteBuffer.wrap(bytes));
      channel.force(true);
    }
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
