package dev.ferry.core;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What on this node is failing now, by component ({@code raft.kv}, ...): a service reports a
 * failure it cannot serve through (a Raft group whose store cannot be written) and clears it once
 * it serves again. {@code GET /health} answers 204 only while nothing is reported.
 *
 * <p>Thread-safe: services report from their own contexts, the web verticle reads from its event loops.
 */
public final class Health {
  private final Map<String, FerryException> failing = new ConcurrentHashMap<>();

  /** {@code component} cannot serve because of {@code failure} (replaces an earlier report). */
  public void failing(String component, FerryException failure) {
    failing.put(component, failure);
  }

  /** {@code component} serves again; a no-op if it was not reported. */
  public void recovered(String component) {
    failing.remove(component);
  }

  /** The failing components and why, sorted by component; empty when the node is healthy. */
  public Map<String, FerryException> failing() {
    return new TreeMap<>(failing);
  }
}
