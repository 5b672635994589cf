package dev.ferry.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Looking replicas up by name and by host. */
class PeersQueryTest {

  private static Peer peer(int pid, String name, String hostname) {
    return Peer.builder().pid(pid).name(name).hostname(hostname).port(9000 + pid).build();
  }

  private final Peers peers = Peers.of(List.of(
      peer(1, "alpha", "apollo"),
      peer(2, "bravo", "Apollo.example.com"),
      peer(3, "charlie", "artemis.example.com"),
      peer(4, "delta", "10.0.0.1"),
      Peer.builder().pid(5).name("echo").ipAddress("10.0.0.9").port(9005).build()));

  @Test
  void getFindsByExactName() {
    assertThat(peers.get("bravo")).map(Peer::pid).contains(2);
    assertThat(peers.get("Bravo")).isEmpty();
    assertThat(peers.get("zulu")).isEmpty();
  }

  @Test
  void namesAndSizeFollowTheListOrder() {
    assertThat(peers.names()).containsExactly("alpha", "bravo", "charlie", "delta", "echo");
    assertThat(peers.size()).isEqualTo(5);
    assertThat(peers.isEmpty()).isFalse();
    assertThat(peers.replicas()).extracting(Peer::pid).containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void localMatchesAShortNameAgainstQualifiedHostnames() {
    assertThat(peers.local("apollo")).extracting(Peer::name).containsExactly("alpha", "bravo");
  }

  @Test
  void localMatchesAQualifiedNameAgainstShortHostnames() {
    assertThat(peers.local("apollo.example.com")).extracting(Peer::name).containsExactly("alpha", "bravo");
    assertThat(peers.local("artemis")).extracting(Peer::name).containsExactly("charlie");
    assertThat(peers.local("ARTEMIS.other.org")).extracting(Peer::name).containsExactly("charlie");
  }

  @Test
  void localComparesIpLiteralsWhole() {
    assertThat(peers.local("10.0.0.1")).extracting(Peer::name).containsExactly("delta");
    assertThat(peers.local("10.0.0.2")).isEmpty();
  }

  @Test
  void localOfAnUnknownHostIsEmptyAndPeersWithoutHostnameNeverMatch() {
    assertThat(peers.local("zeus")).isEmpty();
    assertThat(peers.local("10")).isEmpty();
  }

  @Test
  void localhostWithPidZeroIsTheFirstLocalReplica() {
    assertThat(peers.localhost("apollo.example.com", 0)).map(Peer::name).contains("alpha");
  }

  @Test
  void localhostWithAPidPicksThatReplica() {
    assertThat(peers.localhost("apollo", 2)).map(Peer::name).contains("bravo");
    assertThat(peers.localhost("apollo", 3)).isEmpty();
    assertThat(peers.localhost("zeus", 0)).isEmpty();
  }

  @Test
  void noArgumentLocalUsesThisMachinesName() {
    String me = HostNames.machineHostname(System.getenv());
    Peers mine = Peers.of(List.of(peer(7, "me", me.isEmpty() ? "localhost" : me)));

    if (me.isEmpty()) {
      assertThat(mine.local()).isEmpty();
    } else {
      assertThat(mine.local()).extracting(Peer::name).containsExactly("me");
      assertThat(mine.localhost()).map(Peer::name).contains("me");
      assertThat(mine.local("")).extracting(Peer::name).containsExactly("me");
    }
  }

  @Test
  void ofRejectsDuplicateNamesAndPids() {
    assertThatThrownBy(() -> Peers.of(List.of(peer(1, "a", "h"), peer(2, "a", "h"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("replicas[1].name: duplicate name \"a\" (also replicas[0])");
    assertThatThrownBy(() -> Peers.of(List.of(peer(1, "a", "h"), peer(2, "b", "h"), peer(1, "c", "h"))))
        .hasMessage("replicas[2].pid: duplicate pid 1 (also replicas[0])");
  }

  @Test
  void emptyHasNothing() {
    assertThat(Peers.empty().isEmpty()).isTrue();
    assertThat(Peers.empty().names()).isEmpty();
    assertThat(Peers.empty().source()).isEmpty();
    assertThat(Peers.empty().local("apollo")).isEmpty();
  }

  @Test
  void sameHostComparesFirstLabelsCaseInsensitively() {
    assertThat(HostNames.sameHost("apollo.example.com", "APOLLO")).isTrue();
    assertThat(HostNames.sameHost("apollo", "apollo.b.c")).isTrue();
    assertThat(HostNames.sameHost("apollo", "apollon")).isFalse();
    assertThat(HostNames.sameHost("", "")).isFalse();
    assertThat(HostNames.sameHost(null, "apollo")).isFalse();
    assertThat(HostNames.sameHost("::1", "::1")).isTrue();
  }
}
