package dev.ferry.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** A single replica: building, validating, endpoints and JSON. */
class PeerTest {

  private static Peer.Builder apollo() {
    return Peer.builder().pid(1).name("alpha").hostname("apollo").ipAddress("10.0.0.1")
        .domain("example.com").port(9096);
  }

  @Test
  void builderSetsEveryField() {
    Peer peer = apollo().description("first").apiPort(9094).proxyPort(9095).membershipPort(5701)
        .extra("voter", BooleanNode.FALSE).build();

    assertThat(peer.pid()).isEqualTo(1);
    assertThat(peer.name()).isEqualTo("alpha");
    assertThat(peer.description()).isEqualTo("first");
    assertThat(peer.hostname()).isEqualTo("apollo");
    assertThat(peer.ipAddress()).isEqualTo("10.0.0.1");
    assertThat(peer.domain()).isEqualTo("example.com");
    assertThat(peer.port()).isEqualTo(9096);
    assertThat(peer.apiPort()).isEqualTo(OptionalInt.of(9094));
    assertThat(peer.proxyPort()).isEqualTo(OptionalInt.of(9095));
    assertThat(peer.membershipPort()).isEqualTo(OptionalInt.of(5701));
    assertThat(peer.extra()).containsExactly(Map.entry("voter", BooleanNode.FALSE));
  }

  @Test
  void absentTextIsEmptyAndAbsentPortsAreEmpty() {
    Peer peer = Peer.builder().pid(0).name("a").ipAddress("10.0.0.1").port(1).build();

    assertThat(peer.description()).isEmpty();
    assertThat(peer.hostname()).isEmpty();
    assertThat(peer.domain()).isEmpty();
    assertThat(peer.apiPort()).isEmpty();
    assertThat(peer.extra()).isEmpty();
  }

  @Test
  void builderValidatesLikeLoading() {
    assertThatThrownBy(() -> apollo().name("a.b").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("name: \"a.b\" is not a valid name");
    assertThatThrownBy(() -> Peer.builder().name("a").hostname("h").port(1).build())
        .hasMessage("pid: missing (required)");
    assertThatThrownBy(() -> Peer.builder().pid(1).name("a").hostname("h").build())
        .hasMessage("port: missing (required)");
    assertThatThrownBy(() -> apollo().pid(-1).build()).hasMessage("pid: must be >= 0, got -1");
    assertThatThrownBy(() -> apollo().port(65536).build())
        .hasMessage("port: must be between 1 and 65535, got 65536");
    assertThatThrownBy(() -> apollo().apiPort(0).build())
        .hasMessage("api_port: must be between 1 and 65535, got 0");
    assertThatThrownBy(() -> apollo().proxyPort(0).build())
        .hasMessage("proxy_port: must be between 1 and 65535, got 0");
    assertThatThrownBy(() -> apollo().membershipPort(0).build())
        .hasMessage("membership_port: must be between 1 and 65535, got 0");
    assertThatThrownBy(() -> apollo().name(" ").build()).hasMessage("name: must not be blank");
    assertThatThrownBy(() -> Peer.builder().pid(1).name("a").port(1).build())
        .hasMessage("hostname: a replica needs a hostname or an ip_address");
    assertThatThrownBy(() -> apollo().extra("port", BooleanNode.TRUE).build())
        .hasMessage("port: extra field clashes with the field of the same name");
  }

  @Test
  void theCanonicalConstructorValidatesToo() {
    assertThatThrownBy(() -> new Peer(1, "no spaces", null, "h", null, null, 1, null, null, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("name: \"no spaces\" is not a valid name");
  }

  @Test
  void endpointWithDnsIsHostnameDotDomain() {
    assertThat(apollo().build().endpoint(true)).isEqualTo("apollo.example.com:9096");
  }

  @Test
  void endpointWithoutDnsIsTheIpAddress() {
    assertThat(apollo().build().endpoint(false)).isEqualTo("10.0.0.1:9096");
  }

  @Test
  void endpointWithDnsKeepsAQualifiedHostnameAndAFullDomain() {
    assertThat(apollo().hostname("apollo.lab.net").build().endpoint(true)).isEqualTo("apollo.lab.net:9096");
    assertThat(apollo().domain("").build().endpoint(true)).isEqualTo("apollo:9096");
    // The seed's files may hold the full name in "domain".
    assertThat(apollo().domain("apollo.example.com").build().endpoint(true)).isEqualTo("apollo.example.com:9096");
    assertThat(apollo().hostname("").domain("apollo.example.com").build().endpoint(true))
        .isEqualTo("apollo.example.com:9096");
  }

  @Test
  void eachEndpointFallsBackToTheOtherWhenItsFieldIsAbsent() {
    assertThat(apollo().ipAddress("").build().endpoint(false)).isEqualTo("apollo.example.com:9096");
    assertThat(apollo().hostname("").domain("").build().endpoint(true)).isEqualTo("10.0.0.1:9096");
  }

  @Test
  void anIpv6AddressIsBracketed() {
    assertThat(apollo().ipAddress("::1").build().endpoint(false)).isEqualTo("[::1]:9096");
  }

  @Test
  void toJsonWritesSetFieldsThenExtras() {
    Peer peer = apollo().apiPort(9094).extra("voter", BooleanNode.FALSE).build();

    assertThat(peer.toJson().toString()).isEqualTo(
        "{\"pid\":1,\"name\":\"alpha\",\"hostname\":\"apollo\",\"ip_address\":\"10.0.0.1\","
            + "\"domain\":\"example.com\",\"port\":9096,\"api_port\":9094,\"voter\":false}");
  }

  @Test
  void mutatingJsonGivenOrReturnedDoesNotChangeThePeer() {
    ObjectNode tags = JsonNodeFactory.instance.objectNode().put("rack", "r1");
    Peer peer = apollo().extra("tags", tags).build();

    tags.put("rack", "changed");
    ((ObjectNode) peer.extra().get("tags")).put("rack", "changed too");
    ((ObjectNode) peer.toJson().get("tags")).put("rack", "and again");

    JsonNode kept = peer.extra().get("tags");
    assertThat(kept.get("rack").asText()).isEqualTo("r1");
    assertThatThrownBy(() -> peer.extra().put("x", BooleanNode.TRUE))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
