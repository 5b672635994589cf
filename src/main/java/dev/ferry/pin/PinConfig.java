package dev.ferry.pin;

import dev.ferry.core.ConfigSection;
import dev.ferry.core.LocalServices;
import dev.ferry.core.NodeContext;
import java.time.Duration;

/**
 * The {@code pin} section of conf/node.json, read once per node ({@link #of}) for the pin service,
 * and the web and proxy verticles for {@code request_timeout_ms}. Immutable.
 *
 * @param group the Raft group that keeps the pinset (its state machine must be {@value PinSet#NAME})
 * @param replicationMin default least number of nodes that must pin a CID (-1: every node)
 * @param replicationMax default most nodes a CID is allocated to (-1: every node)
 * @param pinTimeout how long a node's IPFS daemon may look for content before the pin is an error
 * @param requestTimeout how long a pin service request may take (Raft and node-to-node calls)
 * @param retryInterval how long a tracker waits before reading the pinset again when its Raft group
 *     cannot answer yet (no quorum while the cluster forms)
 * @param reallocateAfter how long a node that left may stay away before its pins move to live nodes
 *     (0: at once); one back by then keeps them, so a restart moves nothing
 * @param reallocateWithin how long the node that moves a departed node's pins keeps trying (the
 *     pinset's group may be electing a leader)
 * @param recoverInterval how often a tracker pins again what failed on its node
 * @param maxAttempts how many times in all a tracker tries a pin before it waits for {@code recover}
 * @param concurrentPins how many pins and unpins a tracker runs on its daemon at once (more wait in its queue)
 * @param stateSyncInterval how often a tracker compares its daemon's pins with the pinset (a pin
 *     allocated here that the daemon lost is {@code unexpectedly_unpinned} and pinned again)
 * @param listPage how many pins one read of a listing from this node's replica takes (a listing
 *     streams page by page, so this bounds what one step holds in memory)
 * @param firstPage how many pins the first page of a listing takes at most (the lesser of this and
 *     {@code listPage}), so its first lines go out before a whole page is read and gathered
 * @param statusPart how many statuses a node sends in one part of its stream for a streamed listing of
 *     statuses ({@link StatusListing}; the first part takes {@code firstPage} at most)
 * @param expiryInterval how often the lowest-named live node looks for pins past their {@code expire_at}
 * @param membersRefresh how old this node's view of the pinset group's members (the nodes pins may be
 *     allocated to) may be before a pin reads it again
 */
public record PinConfig(String group, int replicationMin, int replicationMax, Duration pinTimeout, Duration requestTimeout,
    Duration retryInterval, Duration reallocateAfter, Duration reallocateWithin, Duration recoverInterval, int maxAttempts,
    int concurrentPins, Duration stateSyncInterval, int listPage, int firstPage, int statusPart, Duration expiryInterval,
    Duration membersRefresh) {
  /** Reads and checks the {@code pin} section ({@code node.config().section("pin")}). */
  public static PinConfig from(ConfigSection pin) {
    return new PinConfig(pin.string("group"), replication(pin, "replication_min"), replication(pin, "replication_max"),
        pin.millis("pin_timeout_ms"), pin.millis("request_timeout_ms"), pin.millis("retry_interval_ms"),
        pin.millisOrZero("reallocate_after_ms", "at once"), pin.millis("reallocate_within_ms"), pin.millis("recover_interval_ms"), pin.positive("max_attempts"),
        pin.positive("concurrent_pins"), pin.millis("state_sync_interval_ms"), pin.positive("list_page_size"),
        pin.positive("first_page_size"), pin.positive("status_part_size"), pin.millis("expiry_interval_ms"), pin.millis("members_refresh_ms"));
  }

  private static int replication(ConfigSection pin, String key) {
    int value = (int) pin.integer(key, Pin.EVERYWHERE, Integer.MAX_VALUE, "a positive integer or -1 (every node)");
    if (value == 0) {
      throw pin.invalid(key, "expected a positive integer or -1 (every node), got 0");
    }
    return value;
  }

  /** The node's pin settings, read and checked at the first call on the node and the same record after. */
  public static PinConfig of(NodeContext node) {
    return LocalServices.once(node.vertx(), PinConfig.class, () -> from(node.config().section("pin")));
  }
}
