package dev.ferry.node;

import dev.ferry.core.NodeConfig;
import dev.ferry.core.NodeKey;
import dev.ferry.core.PeerIds;
import dev.ferry.peers.AtomicWrite;
import dev.ferry.peers.PeerId;
import dev.ferry.peers.PeersException;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PeerIds} of a running node. At start: what earlier runs met ({@code
 * <data_dir>/peer-ids.json}), then peers.json's {@code peer_id}s over it (the operator's word),
 * then the node's own. While it runs, every member that joins tells its peer ID (a Hazelcast
 * member attribute); a new or changed one is kept and written to the file, so a node that goes
 * down stays known by its peer ID. A member whose peer ID differs from its {@code peer_id} in
 * peers.json wins (its key is the authority), with a warning to fix peers.json.
 *
 * <p>Thread-safe: membership threads call {@link #learn}; the file is written on a worker, whole,
 * under a lock, so the last write holds every change.
 */
final class KnownPeerIds implements PeerIds {
  private static final Logger log = LoggerFactory.getLogger(KnownPeerIds.class);
  /** The file in the data dir. */
  static final String FILE = "peer-ids.json";

  private final Path file;
  private final Map<String, PeerId> configured;
  /** Every node name in peers.json, with a peer_id or not. */
  private final Set<String> listed;
  private final ConcurrentMap<String, PeerId> byName = new ConcurrentHashMap<>();
  private final Object writing = new Object();
  private volatile Vertx vertx;

  private KnownPeerIds(Path file, Map<String, PeerId> configured, Set<String> listed) {
    this.file = file;
    this.configured = configured;
    this.listed = listed;
  }

  /** Reads what earlier runs met and peers.json; blocking file I/O, before the node's event loops run. */
  static KnownPeerIds load(NodeConfig config, PeerId self) {
    Map<String, PeerId> configured = new TreeMap<>();
    config.peers().replicas().forEach(p -> p.peerId().ifPresent(id -> configured.put(p.name(), id)));
    KnownPeerIds known = new KnownPeerIds(config.dataDir().resolve(FILE), Collections.unmodifiableMap(configured),
        Set.copyOf(config.peers().names()));
    known.byName.putAll(known.readFile());
    known.byName.putAll(configured);
    PeerId written = configured.get(config.name());
    if (written != null && !written.equals(self)) {
      log.warn("peers.json says node {} has peer_id {}, but its key ({}) gives {}: fix peer_id in peers.json",
          config.name(), written, config.dataDir().resolve(NodeKey.FILE), self);
    }
    known.byName.put(config.name(), self);
    return known;
  }

  /** From now on, what is learned is also written to the data dir, on {@code vertx}'s workers. */
  void persistWith(Vertx vertx) {
    this.vertx = vertx;
    persist();
  }

  /** Records that the node {@code name} has {@code peerId}; a new or changed mapping is written to the data dir. */
  void learn(String name, PeerId peerId) {
    PeerId before = byName.put(name, peerId);
    if (peerId.equals(before)) {
      return;
    }
    PeerId written = configured.get(name);
    if (written != null && !written.equals(peerId)) {
      log.warn("node {} has peer ID {}, but peers.json says peer_id {}: fix peer_id in peers.json", name, peerId,
          written);
    } else if (before != null) {
      log.info("node {} has a new peer ID {} (was {}): its key was replaced", name, peerId, before);
    }
    persist();
  }

  private void persist() {
    Vertx v = vertx;
    if (v != null) {
      v.executeBlocking(() -> {
        write();
        return null;
      }, false).onFailure(e -> log.warn("cannot keep the peer IDs met in {}: {}", file, e.getMessage()));
    }
  }

  private void write() throws PeersException {
    synchronized (writing) {
      JsonObject json = new JsonObject();
      all().forEach((name, id) -> json.put(name, id.toString()));
      AtomicWrite.write(file, json.encodePrettily().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** What earlier runs met; a file that cannot be used is reported and ignored (members tell their peer IDs again). */
  private Map<String, PeerId> readFile() {
    Map<String, PeerId> met = new TreeMap<>();
    try {
      JsonObject json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
      json.forEach(e -> {
        try {
          met.put(e.getKey(), PeerId.parse(String.valueOf(e.getValue())));
        } catch (IllegalArgumentException bad) {
          log.warn("{}: node {}: {}; ignored", file, e.getKey(), bad.getMessage());
        }
      });
    } catch (NoSuchFileException e) {
      // the node's first start
    } catch (IOException | DecodeException e) {
      log.warn("{}: cannot read the peer IDs met before ({}); starting with peers.json's only, it is rewritten "
          + "as members join", file, e.getMessage());
    }
    return met;
  }

  @Override
  public Optional<PeerId> peerId(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  @Override
  public Optional<String> name(PeerId peerId) {
    return byName.entrySet().stream().filter(e -> e.getValue().equals(peerId)).map(Map.Entry::getKey)
        .sorted().findFirst();
  }

  @Override
  public Optional<String> resolve(String nameOrPeerId) {
    if (byName.containsKey(nameOrPeerId) || listed.contains(nameOrPeerId)) {
      return Optional.of(nameOrPeerId);
    }
    try {
      return name(PeerId.parse(nameOrPeerId));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @Override
  public Map<String, PeerId> all() {
    return Collections.unmodifiableMap(new TreeMap<>(byName));
  }
}
