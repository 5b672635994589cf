package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PinOptionsTest {
  @Test
  void replicationSetsBothBoundsAndEachBoundOverridesIt() {
    assertThat(PinOptions.fromQuery(Map.of("replication", "2")::get)).isEqualTo(new PinOptions(null, 2, 2));
    assertThat(PinOptions.fromQuery(Map.of("replication", "2", "replication-max", "3", "name", "doc")::get))
        .isEqualTo(new PinOptions("doc", 2, 3));
    assertThat(PinOptions.fromQuery(Map.<String, String>of()::get)).isEqualTo(PinOptions.DEFAULTS);
  }

  @Test
  void aFallbackNameIsUsedOnlyWithoutANameAndCutToThePinLimit() {
    assertThat(new PinOptions("mine", 1, 1).orName("file.txt").name()).isEqualTo("mine");
    assertThat(PinOptions.DEFAULTS.orName("x".repeat(300)).name()).hasSize(Pin.MAX_NAME_LENGTH);
  }

  @Test
  void aBoundThatIsNotAWholeNumberIsNamed() {
    assertThatThrownBy(() -> PinOptions.fromQuery(Map.of("replication-min", "two")::get))
        .isInstanceOf(FerryException.class)
        .hasMessageContaining("replication-min: expected a whole number (-1 for every node), got 'two'");
  }

  @Test
  void aMinimumAboveTheMaximumNamesBothParameters() {
    assertThatThrownBy(() -> PinOptions.fromQuery(Map.of("replication-min", "3", "replication-max", "2")::get))
        .isInstanceOf(FerryException.class)
        .hasMessageContaining("replication-min (3) must not exceed replication-max (2)");
    assertThatThrownBy(() -> PinOptions.fromQuery(Map.of("replication", "-1", "replication-max", "2")::get))
        .hasMessageContaining("replication (-1, every node) must not exceed replication-max (2)");
    // every node is above any number, and a bound the query leaves out is the service's to check
    assertThat(PinOptions.fromQuery(Map.of("replication-min", "2", "replication-max", "-1")::get))
        .isEqualTo(new PinOptions(null, 2, -1));
    assertThat(PinOptions.fromQuery(Map.of("replication-min", "5")::get)).isEqualTo(new PinOptions(null, 5, null));
  }

  /** The query of IPFS Cluster's Go client (PinOptions.ToQuery) for a pin with every option set. */
  private static final Map<String, String> GO_QUERY = Map.of("replication-min", "0", "replication-max", "0",
      "name", "doc", "mode", "direct", "shard-size", "0", "user-allocations", "12D3KooWPeer,node2,node2",
      "expire-at", "2030-01-02T15:04:05+01:00", "meta-owner", "ann", "pin-update",
      "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
      "origins", "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWPeer");

  private static PinOptions read(Map<String, String> query) {
    return PinOptions.fromQuery(query::get, query.keySet(),
        who -> who.equals("12D3KooWPeer") ? Optional.of("node1") : who.startsWith("node") ? Optional.of(who)
            : Optional.empty());
  }

  @Test
  void everyOptionOfIpfsClustersGoClientIsReadAndZeroReplicationMeansTheDefault() {
    PinOptions options = read(GO_QUERY);
    assertThat(options.replicationMin()).isNull();
    assertThat(options.replicationMax()).isNull();
    assertThat(options.name()).isEqualTo("doc");
    Pin.Extras extras = options.extras();
    assertThat(extras.mode()).isEqualTo("direct");
    assertThat(extras.userAllocations()).containsExactly("node1", "node2");
    assertThat(extras.expireAt()).isEqualTo("2030-01-02T14:04:05Z");
    assertThat(extras.metadata()).isEqualTo(Map.of("owner", "ann"));
    assertThat(extras.pinUpdate()).isEqualTo("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
    assertThat(extras.origins()).containsExactly("/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWPeer");
    // what the pin service receives reads back the same
    PinRequest.Add request = new PinRequest.Add("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
        options.name(), options.replicationMin(), options.replicationMax(), extras);
    assertThat(PinRequest.REQUESTS.decode(request.toJson())).isEqualTo(request);
  }

  @Test
  void emptyOptionsAsGoSendsThemAreTheDefaults() {
    Map<String, String> empty = Map.of("replication-min", "0", "replication-max", "0", "name", "", "mode",
        "recursive", "shard-size", "0", "user-allocations", "", "expire-at", "");
    assertThat(read(empty)).isEqualTo(PinOptions.DEFAULTS);
    assertThat(read(empty).extras()).isSameAs(Pin.Extras.NONE);
  }

  @Test
  void expireInIsAGoDurationFromNow() {
    Instant before = Instant.now();
    Instant at = Instant.parse(read(Map.of("expire-in", "1h30m")).extras().expireAt());
    assertThat(Duration.between(before, at)).isBetween(Duration.ofMinutes(90), Duration.ofMinutes(91));
    assertThat(PinOptions.goDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(PinOptions.goDuration("2h45m300ms")).isEqualTo(Duration.ofHours(2).plusMinutes(45).plusMillis(300));
  }

  @Test
  void aMalformedOptionIsABadRequestNamingIt() {
    Map<String, String> bad = Map.of("mode", "deep", "shard-size", "1048576", "user-allocations", "nobody",
        "expire-at", "tomorrow", "expire-in", "soon", "pin-update", "QmNotACid", "origins", "/ip4/1.2.3.4/tcp/1",
        "replication", "-2");
    Map<String, String> expected = Map.of("mode", "mode: expected recursive or direct",
        "shard-size", "shard-size: sharding is not supported", "user-allocations", "user-allocations: 'nobody'",
        "expire-at", "expire-at: expected an RFC 3339 time", "expire-in", "expire-in: expected a duration",
        "pin-update", "pin-update: ", "origins", "origins: expected multiaddrs with a peer ID",
        "replication", "replication: expected a positive whole number");
    expected.forEach((option, message) -> assertThatThrownBy(() -> read(Map.of(option, bad.get(option))))
        .as(option).isInstanceOf(FerryException.class).hasMessageContaining(message));
    assertThatThrownBy(() -> read(Map.of("expire-in", "-5m"))).hasMessageContaining("expire-in: expected a positive");
  }
}
