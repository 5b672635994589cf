package dev.ferry.raft.impl;

import dev.ferry.raft.GroupStatus;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.report.RaftNodeReport;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** A node's {@link GroupStatus} from MicroRaft's report. Stateless. */
final class Status {
  private Status() {}

  /** Asks the Raft node for a fresh report (it runs on the Raft executor). */
  static Future<GroupStatus> of(String group, String nodeName, RaftNode raft) {
    return Future.fromCompletionStage(raft.getReport()).map(ordered -> of(group, nodeName, ordered.getResult()));
  }

  static GroupStatus of(String group, String nodeName, RaftNodeReport r) {
    Collection<RaftEndpoint> members = r.getEffectiveMembers().getMembers();
    Collection<RaftEndpoint> voters = r.getEffectiveMembers().getVotingMembers();
    String role = members.contains(r.getEndpoint()) ? r.getRole().name().toLowerCase(Locale.ROOT) : "out";
    return new GroupStatus(group, nodeName, role, r.getTerm().getTerm(),
        NodeEndpoint.nameOf(r.getTerm().getLeaderEndpoint()), r.getLog().getCommitIndex(),
        r.getLog().getLastLogOrSnapshotIndex(), r.getLog().getLastSnapshotIndex(), names(members), names(voters),
        names(members.stream().filter(m -> !voters.contains(m)).toList()));
  }

  private static List<String> names(Collection<RaftEndpoint> endpoints) {
    return endpoints.stream().map(NodeEndpoint::nameOf).sorted().toList();
  }
}
