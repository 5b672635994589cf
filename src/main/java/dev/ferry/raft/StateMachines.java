package dev.ferry.raft;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The state machines a Raft group can be configured with, by name ({@code
 * raft.groups.<group>.state_machine}): the built-in {@code kv}, those of services found through
 * {@link StateMachineProvider} (pinning's {@code pinset}, for one), and any registered before the
 * node starts.
 *
 * <p>Thread-safe; registration is meant for start-up.
 */
public final class StateMachines {
  private static final Map<String, Function<RaftSettings, StateMachine>> FACTORIES = new TreeMap<>();

  static {
    register("kv", settings -> new KvStateMachine(settings.snapshotChunkEntries()));
    for (StateMachineProvider provider : ServiceLoader.load(StateMachineProvider.class)) {
      register(provider.name(), provider::create);
    }
  }

  private StateMachines() {}

  /** Makes a state machine available under {@code name}; a later registration replaces an earlier one. */
  public static synchronized void register(String name, Function<RaftSettings, StateMachine> factory) {
    FACTORIES.put(name, factory);
  }

  /** A new instance of the named state machine, if there is one by that name. */
  public static synchronized Optional<StateMachine> create(String name, RaftSettings settings) {
    return Optional.ofNullable(FACTORIES.get(name)).map(f -> f.apply(settings));
  }

  /** The names, in order (error messages list them). */
  public static synchronized Set<String> names() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(FACTORIES.keySet()));
  }
}
