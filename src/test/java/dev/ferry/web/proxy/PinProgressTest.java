package dev.ferry.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.ipfs.Cid;
import dev.ferry.testing.Http;
import dev.ferry.testing.IpfsCluster;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code pin/add?progress=true} through the IPFS proxy of three clustered nodes in this JVM, each
 * with its embedded store: the answer streams {@code {"Progress": n}} lines while the allocated
 * nodes fetch, then {@code {"Pins": [cid]}}, as Kubo streams a pin that takes a while.
 */
@Timeout(180)
class PinProgressTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** How often the proxy reports, short so a test sees several lines. */
  private static final int INTERVAL_MS = 200;
  /** The end of the answer, seen by the reading thread. */
  private static final String END = "\u0000end";
  private static IpfsCluster nodes;

  @BeforeAll
  static void start() {
    // a pin of content nobody has yet keeps fetching (pinning) for a minute before it counts as failed
    nodes = IpfsCluster.embedded(3, i -> new JsonObject()
        .put("pin", new JsonObject().put("pin_timeout_ms", 60_000))
        .put("proxy", new JsonObject().put("pin_progress_interval_ms", INTERVAL_MS)));
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  void progressLinesComeWhileTheAllocatedNodesFetchThenThePinsLineEndsTheAnswer() throws Exception {
    // a file of several blocks that no node has yet
    String text = ("progress " + System.nanoTime() + " ").repeat(60_000);
    Cid cid = nodes.cidOf(text);
    HttpResponse<Stream<String>> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + proxy(1) + "/api/v0/pin/add?arg=" + cid + "&progress=true&replication=2"))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofLines());
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("X-Chunked-Output")).hasValue("1");
    assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/json"));
    BlockingQueue<String> lines = reading(answer.body());

    // while nobody has the content, each report says no allocated node has pinned it
    for (int i = 0; i < 3; i++) {
      assertThat(new JsonObject(next(lines))).isEqualTo(new JsonObject().put("Progress", 0));
    }

    assertThat(nodes.appears(3, text)).isEqualTo(cid);
    List<JsonObject> rest = new ArrayList<>();
    for (String line = next(lines); !END.equals(line); line = next(lines)) {
      rest.add(new JsonObject(line));
    }
    assertThat(rest).isNotEmpty();
    assertThat(rest.get(rest.size() - 1)).isEqualTo(new JsonObject().put("Pins", List.of(cid.toString())));
    int last = 0;
    for (JsonObject progress : rest.subList(0, rest.size() - 1)) {
      assertThat(progress.fieldNames()).containsExactly("Progress");
      assertThat(progress.getInteger("Progress")).isBetween(last, 1);   // 2 pinned ends the answer
      last = progress.getInteger("Progress");
    }
    // the answer ended because both allocated nodes pinned it
    int pinnedOn = 0;
    for (int i = 1; i <= 3; i++) {
      pinnedOn += nodes.pinnedOn(i, cid) ? 1 : 0;
    }
    assertThat(pinnedOn).isEqualTo(2);
  }

  @Test
  void withoutProgressTheAnswerIsThePinsLineOnceThePinIsInThePinset() {
    Cid cid = nodes.cidOf("no progress " + System.nanoTime());   // nobody has it: the pin stays unfinished
    HttpResponse<String> answer = Http.send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + proxy(2) + "/api/v0/pin/add?arg=" + cid + "&replication=1"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(new JsonObject(answer.body())).isEqualTo(new JsonObject().put("Pins", List.of(cid.toString())));
  }

  /** The lines of an answer as they arrive, then {@link #END}, read on a thread of their own. */
  private static BlockingQueue<String> reading(Stream<String> body) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (body) {
        body.forEach(lines::add);
      } finally {
        lines.add(END);
      }
    }, "pin-progress-reader");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  private static String next(BlockingQueue<String> lines) throws InterruptedException {
    String line = lines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(line).as("a line of the answer within %s", WAIT).isNotNull();
    return line;
  }

  private static int proxy(int i) {
    return nodes.nodes().peer(i).proxyPort().orElseThrow();
  }
}
