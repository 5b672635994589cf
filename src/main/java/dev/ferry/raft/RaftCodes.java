package dev.ferry.raft;

/**
 * The failure codes of the Raft client API, besides {@code bad-request}, {@code not-found},
 * {@code too-large} and {@code timeout} from {@link dev.ferry.core.FerryException}. Whether a
 * failed proposal may still have been applied depends on the code:
 *
 * <ul>
 *   <li>{@link #NO_LEADER}, {@link #REJECTED}, {@code bad-request}, {@code not-found},
 *       {@code too-large}: it was not applied, and will not be;
 *   <li>{@code timeout}, {@code internal}, {@code unavailable}, {@code storage-full},
 *       {@code storage-error}: the outcome is unknown; it may be applied (once) or not at all (a
 *       node whose store failed stops its replica, and a proposal it had sent on may still commit
 *       on the others).
 * </ul>
 */
public final class RaftCodes {
  /** No leader is reachable (no quorum, an election under way, or the leader is cut off). HTTP 503. */
  public static final String NO_LEADER = "no-leader";
  /** The leader has too many uncommitted entries, or a membership change is under way: back off. */
  public static final String REJECTED = "rejected";

  private RaftCodes() {}
}
