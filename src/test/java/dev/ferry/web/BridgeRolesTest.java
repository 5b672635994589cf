package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.Addresses;
import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigLayers;
import dev.ferry.core.ConfigSection;
import dev.ferry.security.ApiUsers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code bridge.roles}: the shipped rules for {@code read}, and bad rules named with their key. */
class BridgeRolesTest {

  private static BridgeConfig bridge(JsonObject roles) {
    JsonObject section = ConfigLayers.defaults().getJsonObject("bridge").copy();
    if (roles != null) {
      section.put("roles", roles);
    }
    return BridgeConfig.from(ConfigSection.of("bridge", section));
  }

  private static boolean mayRead(BridgeRoles.Rules rules, String address, String kind) {
    return rules.inbound().stream().anyMatch(r -> r.matches(address) && r.allowsKind(kind));
  }

  @Test
  void readQueriesAndFollowsFeedsAndAdminIsNotNarrowed() {
    BridgeRoles roles = bridge(null).roles();
    assertThat(roles.of(ApiUsers.Role.ADMIN)).isEmpty();
    BridgeRoles.Rules read = roles.of(ApiUsers.Role.READ).orElseThrow();
    assertThat(mayRead(read, "ferry.raft.kv", "query")).isTrue();
    assertThat(mayRead(read, "ferry.raft.kv", "feed")).isTrue();
    assertThat(mayRead(read, "ferry.raft.kv", "propose")).isFalse();
    assertThat(mayRead(read, "ferry.raft.kv", null)).isFalse();
    assertThat(mayRead(read, "ferry.registry", "register")).isFalse();
    assertThat(mayRead(read, "ferry.mbx.node1.a.1", null)).isFalse();
    assertThat(read.outbound().stream().anyMatch(r -> r.matches("ferry.raft.kv.log"))).isTrue();
    assertThat(read.outbound().stream().anyMatch(r -> r.matches("ferry.circuit.p1"))).isFalse();
  }

  @Test
  void alertEventsReachEveryRoleAndTheMonitorsInternalAddressesNoClient() {
    BridgeConfig bridge = bridge(null);
    BridgeRoles.Rules read = bridge.roles().of(ApiUsers.Role.READ).orElseThrow();
    assertThat(bridge.outboundAllows(Addresses.ALERT_EVENTS)).isTrue();
    assertThat(read.outbound().stream().anyMatch(r -> r.matches(Addresses.ALERT_EVENTS))).isTrue();
    for (String internal : List.of(Addresses.METRICS, Addresses.nodeMonitor("node1"))) {
      assertThat(bridge.outboundAllows(internal)).as(internal).isFalse();
      assertThat(bridge.inboundAllows(internal)).as(internal).isFalse();
    }
  }

  @Test
  void theKindIsTheOpOrTheOlderAction() {
    assertThat(BridgeGuard.kind(new JsonObject().put("op", "propose"))).isEqualTo("propose");
    assertThat(BridgeGuard.kind(new JsonObject().put("action", "propose").put("op", new JsonObject())))
        .isEqualTo("propose");
    assertThat(BridgeGuard.kind("text")).isNull();
  }

  @Test
  void badRulesNameTheirKey() {
    assertThatThrownBy(() -> bridge(new JsonObject().put("guest", new JsonObject())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("bridge.roles.guest")
        .hasMessageContaining("\"admin\" or \"read\"");
    assertThatThrownBy(() -> bridge(new JsonObject().put("read", new JsonObject().put("outbound",
        new JsonArray().add(new JsonObject().put("address", "a").put("ops", new JsonArray().add("x")))))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("bridge.roles.read.outbound[0].ops");
    assertThatThrownBy(() -> bridge(new JsonObject().put("read", new JsonObject().put("inbound",
        new JsonArray().add(new JsonObject().put("address", "a").put("ops", new JsonArray()))))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("bridge.roles.read.inbound[0].ops")
        .hasMessageContaining("non-empty list");
    assertThatThrownBy(() -> bridge(new JsonObject().put("read", new JsonObject().put("inbound",
        new JsonArray().add(new JsonObject().put("address_re", "(")))))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("bridge.roles.read.inbound[0].address_re");
  }
}
