package dev.ferry.raft;

/**
 * A state machine that a service brings along, found with {@link java.util.ServiceLoader}: list
 * the implementing class in {@code META-INF/services/dev.ferry.raft.StateMachineProvider} and
 * groups can name it in {@code raft.groups.<group>.state_machine}.
 */
public interface StateMachineProvider {
  /** The name groups configure. */
  String name();

  /** A new, empty instance for one replica. */
  StateMachine create(RaftSettings settings);
}
