package dev.ferry.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The registry's state on one node: this node's own claims (authoritative, with a version that
 * grows on every change) and the latest snapshot of every other node's claims. Plain state,
 * owned by the registry verticle's event loop; not thread-safe.
 */
final class Claims {
  /** Another node's claims as last synced. */
  record View(String incarnation, long version, List<Claim> claims) {}

  private final String node;
  private final String incarnation;
  private final List<Claim> own = new ArrayList<>();
  private long version;
  private final Map<String, View> others = new HashMap<>();

  Claims(String node, String incarnation) {
    this.node = node;
    this.incarnation = incarnation;
  }

  long version() {
    return version;
  }

  /** Adds a claim of this node; false if that mailbox already claims the name. */
  boolean claim(Claim claim) {
    if (own.stream().anyMatch(c -> c.name().equals(claim.name()) && c.address().equals(claim.address()))) {
      return false;
    }
    own.add(claim);
    version++;
    return true;
  }

  /** Drops this node's claim of {@code name} by {@code address}; false if there was none. */
  boolean unclaim(String name, String address) {
    boolean removed = own.removeIf(c -> c.name().equals(name) && c.address().equals(address));
    if (removed) {
      version++;
    }
    return removed;
  }

  /** Drops every claim of this node's mailbox {@code address}; the names it held. */
  Set<String> dropAddress(String address) {
    Set<String> names = new HashSet<>();
    own.removeIf(c -> {
      boolean hit = c.address().equals(address);
      if (hit) {
        names.add(c.name());
      }
      return hit;
    });
    if (!names.isEmpty()) {
      version++;
    }
    return names;
  }

  /** Whether the last snapshot of {@code other} is as new as its digest. */
  boolean isCurrent(String other, String otherIncarnation, long otherVersion) {
    View view = others.get(other);
    return view != null && view.incarnation().equals(otherIncarnation) && view.version() == otherVersion;
  }

  /** Replaces the view of another node; the names whose claims may have changed. */
  Set<String> replace(String other, View view) {
    Set<String> touched = namesOf(other);
    others.put(other, view);
    view.claims().forEach(c -> touched.add(c.name()));
    return touched;
  }

  /** Forgets a node that left (if it is still that run); the names it held. */
  Set<String> forget(String other, String otherIncarnation) {
    View view = others.get(other);
    if (view == null || !view.incarnation().equals(otherIncarnation)) {
      return Set.of();
    }
    Set<String> touched = namesOf(other);
    others.remove(other);
    return touched;
  }

  /** Every claim of {@code name} across the cluster, oldest first. */
  List<Claim> of(String name) {
    List<Claim> result = new ArrayList<>();
    own.stream().filter(c -> c.name().equals(name)).forEach(result::add);
    others.values().forEach(v -> v.claims().stream().filter(c -> c.name().equals(name)).forEach(result::add));
    result.sort(Claim::oldestFirst);
    return result;
  }

  /** This node's claims of {@code name}. */
  List<Claim> ownOf(String name) {
    return own.stream().filter(c -> c.name().equals(name)).toList();
  }

  /** Every claimed name, sorted. */
  Set<String> names() {
    Set<String> names = new TreeSet<>();
    own.forEach(c -> names.add(c.name()));
    others.values().forEach(v -> v.claims().forEach(c -> names.add(c.name())));
    return names;
  }

  /** This node's claims as a snapshot for other nodes. */
  JsonObject snapshot() {
    JsonArray list = new JsonArray();
    own.forEach(c -> list.add(c.toJson()));
    return new JsonObject().put("node", node).put("incarnation", incarnation).put("version", version)
        .put("claims", list);
  }

  static View viewOf(JsonObject snapshot) {
    List<Claim> claims = new ArrayList<>();
    snapshot.getJsonArray("claims").forEach(c -> claims.add(Claim.fromJson((JsonObject) c)));
    return new View(snapshot.getString("incarnation"), snapshot.getLong("version"), List.copyOf(claims));
  }

  private Set<String> namesOf(String other) {
    Set<String> names = new HashSet<>();
    View view = others.get(other);
    if (view != null) {
      view.claims().forEach(c -> names.add(c.name()));
    }
    return names;
  }

  Collection<String> knownNodes() {
    return others.keySet();
  }
}
