package dev.ferry.pin;

import dev.ferry.raft.RaftSettings;
import dev.ferry.raft.StateMachine;
import dev.ferry.raft.StateMachineProvider;

/** Makes {@link PinSet} available to Raft groups as {@value PinSet#NAME}. */
public final class PinSetProvider implements StateMachineProvider {
  @Override
  public String name() {
    return PinSet.NAME;
  }

  @Override
  public StateMachine create(RaftSettings settings) {
    return new PinSet(settings.snapshotChunkEntries());
  }
}
