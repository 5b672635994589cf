package dev.ferry.web;

import dev.ferry.core.ConfigSection;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import java.util.List;
import java.util.Optional;

/**
 * The {@code bridge} section of conf/node.json: which addresses bridge clients may send to
 * ({@code inbound}) and receive from ({@code outbound}), what each user role may do there, the
 * optional token (used when no {@code api.users} are configured), and the TCP bridge.
 *
 * @param tcpPort the TCP event-bus bridge's port; 0 leaves it off
 * @param maxFrameBytes the largest TCP bridge frame, checked against its length prefix before any
 *     of it is buffered ({@code bridge.max_frame_bytes})
 * @param maxUnauthenticatedFrameBytes the largest frame a TCP socket may send before one of its
 *     frames has carried the token, when a token is set ({@code bridge.max_unauthenticated_frame_bytes})
 * @param maxBufferedBytes the most bytes of unfinished TCP bridge frames held at once, node-wide
 *     ({@code bridge.max_buffered_bytes})
 * @param limits the TCP bridge's timeouts and per-address connection limit (the SockJS bridge is
 *     served by the HTTP API and has the {@code api} section's)
 * @param membershipChanges whether bridge clients (admins, with users) may send Raft's {@code join},
 *     {@code leave} and {@code transfer} ({@code bridge.membership_changes}, off by default)
 * @param roles what each role of {@code api.users} may do over a bridge ({@code bridge.roles})
 */
record BridgeConfig(Optional<String> token, String tcpHost, int tcpPort, List<PermittedOptions> inbound,
                    List<PermittedOptions> outbound, int maxFrameBytes, int maxUnauthenticatedFrameBytes,
                    long maxBufferedBytes, ServerLimits limits, boolean membershipChanges, BridgeRoles roles) {

  /** Reads and checks the {@code bridge} section ({@code node.config().section("bridge")}). */
  static BridgeConfig from(ConfigSection bridge) {
    return new BridgeConfig(bridge.optionalString("token"), bridge.string("tcp_host"),
        bridge.portOrZero("tcp_port", "off"), permitted(bridge, "inbound"), permitted(bridge, "outbound"),
        bridge.intBytes("max_frame_bytes"), bridge.intBytes("max_unauthenticated_frame_bytes"),
        bridge.bytes("max_buffered_bytes"), ServerLimits.from(bridge), bridge.bool("membership_changes"),
        BridgeRoles.from(bridge));
  }

  /** The permissions as Vert.x bridge options (shared by the SockJS and TCP bridges). */
  BridgeOptions options() {
    BridgeOptions options = new BridgeOptions();
    inbound.forEach(options::addInboundPermitted);
    outbound.forEach(options::addOutboundPermitted);
    return options;
  }

  boolean inboundAllows(String address) {
    return matches(inbound, address);
  }

  boolean outboundAllows(String address) {
    return matches(outbound, address);
  }

  private static boolean matches(List<PermittedOptions> rules, String address) {
    for (PermittedOptions rule : rules) {
      if (address.equals(rule.getAddress())
          || (rule.getAddressRegex() != null && address.matches(rule.getAddressRegex()))) {
        return true;
      }
    }
    return false;
  }

  private static List<PermittedOptions> permitted(ConfigSection bridge, String key) {
    return BridgeRoles.rules(bridge, key, false).stream()
        .map(rule -> rule.address().map(a -> new PermittedOptions().setAddress(a))
            .orElseGet(() -> new PermittedOptions().setAddressRegex(rule.regex().orElseThrow().pattern())))
        .toList();
  }
}
