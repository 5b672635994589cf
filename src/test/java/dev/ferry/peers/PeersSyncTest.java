package dev.ferry.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Fetching peers.json from a real local HTTP server. */
class PeersSyncTest {

  @Test
  void syncSendsTheApiKeyAndParsesTheBody() throws Exception {
    try (SyncServer server = SyncServer.answering(200, Fixtures.TWO_PEERS)) {
      Peers peers = Peers.sync(server.url(), "s3cret");

      assertThat(peers.names()).containsExactly("alpha", "bravo");
      assertThat(peers.source()).isEmpty();
      assertThat(server.apiKeys).containsExactly("s3cret");
    }
  }

  @Test
  void anApiKeyNoHeaderMayHoldIsRefusedWithoutRepeatingIt() throws Exception {
    try (SyncServer server = SyncServer.answering(200, Fixtures.TWO_PEERS)) {
      assertThatThrownBy(() -> Peers.sync(server.url(), "s3cret-first-line\ns3cret-second-line"))
          .isInstanceOf(PeersException.class)
          .hasMessageContaining("the API key holds a character no HTTP header may")
          .hasMessageNotContaining("s3cret");
      assertThat(server.apiKeys).isEmpty();
    }
  }

  @Test
  void aNullOrBlankApiKeySendsNoHeader() throws Exception {
    try (SyncServer server = SyncServer.answering(200, Fixtures.TWO_PEERS)) {
      Peers.sync(server.url(), null);
      Peers.sync(server.url(), "  ");

      assertThat(server.apiKeys).containsExactly("<none>", "<none>");
    }
  }

  @Test
  void aStatusOtherThan200IsAnErrorNamingTheStatusAndUrl() {
    try (SyncServer server = SyncServer.answering(401, "{\"error\": \"bad api key\"}")) {
      assertThatThrownBy(() -> Peers.sync(server.url(), "wrong"))
          .isInstanceOf(PeersException.class)
          .hasMessage("sync from " + server.url() + ": HTTP 401 (expected 200): {\"error\": \"bad api key\"}");
    }
    try (SyncServer server = SyncServer.answering(204, "")) {
      assertThatThrownBy(() -> Peers.sync(server.url(), null))
          .hasMessage("sync from " + server.url() + ": HTTP 204 (expected 200)");
    }
  }

  @Test
  void aMalformedBodyIsAnErrorNamingTheUrl() {
    try (SyncServer server = SyncServer.answering(200, "<html>oops</html>")) {
      assertThatThrownBy(() -> Peers.sync(server.url(), null))
          .isInstanceOf(PeersException.class)
          .hasMessageStartingWith(server.url() + ":1:1: malformed JSON: Unexpected character ('<'");
    }
  }

  @Test
  void anInvalidBodyIsAnErrorNamingTheUrlAndPlace() {
    try (SyncServer server = SyncServer.answering(200, Fixtures.withBravo("name", "\"alpha\""))) {
      assertThatThrownBy(() -> Peers.sync(server.url(), null))
          .hasMessage(server.url() + ": replicas[1].name: duplicate name \"alpha\" (also replicas[0])");
    }
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.SECONDS)
  void aServerThatNeverAnswersTimesOutAfterFiveSeconds() {
    try (SyncServer server = SyncServer.neverAnswering()) {
      long start = System.nanoTime();

      assertThatThrownBy(() -> Peers.sync(server.url(), null))
          .isInstanceOf(PeersException.class)
          .hasMessage("sync from " + server.url() + ": timed out after 5 s");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(4_500L, 10_000L);
    }
  }

  @Test
  void aRefusedConnectionIsAnError() {
    URI url;
    try (SyncServer server = SyncServer.answering(200, "{}")) {
      url = server.url();
    }
    // The port is closed now (a race with another process taking it is possible but unlikely).
    assertThatThrownBy(() -> Peers.sync(url, null))
        .isInstanceOf(PeersException.class)
        .hasMessageStartingWith("sync from " + url + ": cannot connect");
  }

  @Test
  void onlyHttpUrlsAreAccepted() {
    assertThatThrownBy(() -> Peers.sync(URI.create("file:///etc/passwd"), null))
        .hasMessage("sync from file:///etc/passwd: not an http or https URL with a host");
    assertThatThrownBy(() -> Peers.sync(null, null)).hasMessage("sync: no URL given");
  }

  @Test
  void syncFromTheEnvironmentUsesTheUrlAndKeyVariables() throws Exception {
    try (SyncServer server = SyncServer.answering(200, Fixtures.TWO_PEERS)) {
      Peers peers = Peers.sync(Map.of(
          "FERRY_PEERS_SYNC_URL", server.url().toString(), "FERRY_PEERS_SYNC_APIKEY", "k"));

      assertThat(peers.size()).isEqualTo(2);
      assertThat(server.apiKeys).containsExactly("k");
    }
  }

  @Test
  void syncFromTheEnvironmentWithoutAUrlNamesTheVariable() {
    assertThatThrownBy(() -> Peers.sync(Map.of("FERRY_PEERS_SYNC_APIKEY", "k")))
        .isInstanceOf(PeersException.class)
        .hasMessage("FERRY_PEERS_SYNC_URL is not set: set it to the URL to sync peers.json from");
    assertThatThrownBy(() -> Peers.sync(Map.of("FERRY_PEERS_SYNC_URL", "http://bad host/")))
        .hasMessageStartingWith("FERRY_PEERS_SYNC_URL: not a valid URL: ");
  }
}
