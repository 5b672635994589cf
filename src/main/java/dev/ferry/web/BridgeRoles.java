package dev.ferry.web;

import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigSection;
import dev.ferry.security.ApiUsers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What each role of {@code api.users} may do over a bridge, from {@code bridge.roles}: for a role
 * listed there, the addresses it may send to ({@code inbound}) and receive from ({@code outbound}),
 * each rule optionally naming the request kinds ({@code ops}: a body's {@code op}, or its
 * {@code action} when {@code op} is not a string) it may send there. These narrow
 * {@code bridge.inbound}/{@code bridge.outbound}, never widen them; a role not listed may use all
 * of those. Immutable.
 */
record BridgeRoles(Map<ApiUsers.Role, Rules> roles) {

  /** One address rule: an exact address or a regular expression, and the request kinds allowed there (empty: any). */
  record Rule(Optional<String> address, Optional<Pattern> regex, Optional<Set<String>> ops) {
    boolean matches(String to) {
      return address.map(to::equals).orElse(false) || regex.map(r -> r.matcher(to).matches()).orElse(false);
    }

    /** Whether a send of {@code kind} (null: the body names none) may go to an address this rule matches. */
    boolean allowsKind(String kind) {
      return ops.isEmpty() || kind != null && ops.get().contains(kind);
    }

    /** The address or pattern, as logs name the rule. */
    String where() {
      return address.orElseGet(() -> regex.orElseThrow().pattern());
    }
  }

  /** A role's rules in both directions. */
  record Rules(List<Rule> inbound, List<Rule> outbound) {}

  BridgeRoles {
    roles = Map.copyOf(roles);
  }

  /** Reads {@code bridge.roles}: {@code {"read": {"inbound": [RULE...], "outbound": [RULE...]}}}. */
  static BridgeRoles from(ConfigSection bridge) {
    Map<ApiUsers.Role, Rules> roles = new EnumMap<>(ApiUsers.Role.class);
    if (!bridge.has("roles")) {
      return new BridgeRoles(roles);
    }
    ConfigSection section = bridge.section("roles");
    for (String name : section.keys()) {
      ApiUsers.Role role;
      try {
        role = ApiUsers.Role.valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw section.invalid(name, "not a role of api.users: expected \"admin\" or \"read\"");
      }
      ConfigSection rules = section.section(name);
      roles.put(role, new Rules(rules(rules, "inbound", true), rules(rules, "outbound", false)));
    }
    return new BridgeRoles(roles);
  }

  /**
   * Rules under {@code key} of {@code section}: each {@code {"address": A}} or
   * {@code {"address_re": REGEX}}, with {@code "ops": [KIND...]} where {@code withOps}.
   */
  static List<Rule> rules(ConfigSection section, String key, boolean withOps) {
    JsonArray rules = section.array(key);
    List<Rule> result = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      String where = section.key(key) + "[" + i + "]";
      if (!(rules.getValue(i) instanceof JsonObject rule)) {
        throw new ConfigException(where + ": expected {\"address\": A} or {\"address_re\": REGEX}"
            + (withOps ? ", optionally with \"ops\": [KIND...]" : ""));
      }
      String address = rule.getString("address");
      String regex = rule.getString("address_re");
      if ((address == null) == (regex == null)) {
        throw new ConfigException(where + ": give exactly one of \"address\" and \"address_re\"");
      }
      Optional<Pattern> pattern = Optional.empty();
      if (regex != null) {
        try {
          pattern = Optional.of(Pattern.compile(regex));
        } catch (PatternSyntaxException e) {
          throw new ConfigException(where + ".address_re: not a regular expression: " + e.getDescription());
        }
      }
      result.add(new Rule(Optional.ofNullable(address), pattern, ops(rule, where, withOps)));
    }
    return List.copyOf(result);
  }

  private static Optional<Set<String>> ops(JsonObject rule, String where, boolean withOps) {
    if (!rule.containsKey("ops")) {
      return Optional.empty();
    }
    if (!withOps) {
      throw new ConfigException(where + ".ops: request kinds limit what is sent (inbound rules); "
          + "an outbound rule has none");
    }
    if (!(rule.getValue("ops") instanceof JsonArray ops) || ops.isEmpty()
        || !ops.stream().allMatch(o -> o instanceof String s && !s.isBlank())) {
      throw new ConfigException(where + ".ops: expected a non-empty list of request kinds such as [\"query\", "
          + "\"status\"]");
    }
    return Optional.of(Set.copyOf(ops.stream().map(String.class::cast).toList()));
  }

  /** {@code role}'s rules, or empty when the role is not narrowed. */
  Optional<Rules> of(ApiUsers.Role role) {
    return Optional.ofNullable(roles.get(role));
  }

  /** The first of {@code rules} that matches {@code address}. */
  static Optional<Rule> match(List<Rule> rules, String address) {
    return rules.stream().filter(r -> r.matches(address)).findFirst();
  }
}
