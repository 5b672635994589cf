package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class LocalStatusesTest {
  /** Every status the tracker counts, and one it does not (kept whole). */
  private static final List<String> STATUSES = java.util.stream.Stream.concat(TrackerMetrics.STATUSES.stream(),
      java.util.stream.Stream.of("a status of a later version")).toList();

  @Test
  void statusesReadBackAsPutAndCountedByStatusThroughPutsRemovesAndGrowth() {
    TrackerMetrics metrics = new TrackerMetrics(new SimpleMeterRegistry());
    LocalStatuses statuses = new LocalStatuses(metrics, UnaryOperator.identity());
    Map<String, PinTracker.Local> expected = new HashMap<>();
    Random random = new Random(13);
    List<String> cids = new ArrayList<>();
    for (int n = 0; n < 5_000; n++) {
      cids.add("bafkreicid" + n);
    }
    for (int step = 0; step < 60_000; step++) {
      String cid = cids.get(random.nextInt(step < 20_000 ? cids.size() : cids.size() / 10));
      if (random.nextInt(4) == 0) {
        statuses.remove(cid);
        expected.remove(cid);
      } else {
        PinTracker.Local status = status(random);
        statuses.put(cid, status);
        expected.put(cid, status);
      }
      if (step % 5_000 == 0) {
        assertAllAsExpected(statuses, expected, cids, metrics);
      }
    }
    assertAllAsExpected(statuses, expected, cids, metrics);
    expected.keySet().forEach(statuses::remove);
    assertThat(statuses.cids()).isEmpty();
    TrackerMetrics.STATUSES.forEach(status -> assertThat(metrics.count(status)).as(status).isZero());
  }

  @Test
  void aStatusWithAnErrorOrAnUnusualTimeIsKeptWhole() {
    LocalStatuses statuses = new LocalStatuses(new TrackerMetrics(new SimpleMeterRegistry()), UnaryOperator.identity());
    List<PinTracker.Local> odd = List.of(new PinTracker.Local("pin_error", "daemon at http://127.0.0.1:5001 is down",
        "2026-12-03T08:00:00.123456Z", 3), new PinTracker.Local("pinned", "", "yesterday", 1),
        new PinTracker.Local("pinned", "", "2026-12-03T08:00:00.100Z", 2),
        new PinTracker.Local("pinned", "", "2026-12-03T08:00:00.1Z", 2));
    for (PinTracker.Local status : odd) {
      statuses.put("bafkreione", status);
      assertThat(statuses.get("bafkreione")).isEqualTo(status);
    }
    statuses.put("bafkreione", new PinTracker.Local("pinned", "", "2026-12-03T08:00:00Z", 0));
    assertThat(statuses.get("bafkreione")).isEqualTo(new PinTracker.Local("pinned", "", "2026-12-03T08:00:00Z", 0));
    assertThat(statuses.get("bafkreitwo")).isNull();
    assertThat(statuses.containsKey("bafkreitwo")).isFalse();
  }

  @Test
  void aStatusPutNowReadsBackAsThePutOfItWithTheTimeNow() {
    TrackerMetrics metrics = new TrackerMetrics(new SimpleMeterRegistry());
    LocalStatuses statuses = new LocalStatuses(metrics, UnaryOperator.identity());
    for (String status : STATUSES) {   // errors and an unknown status too: those are kept whole
      Instant before = Instant.now();
      statuses.putNow("bafkreione", status, 2);
      Instant after = Instant.now();
      PinTracker.Local read = statuses.get("bafkreione");
      assertThat(read.status()).isEqualTo(status);
      assertThat(read.error()).isEmpty();
      assertThat(read.attempts()).isEqualTo(2);
      assertThat(Instant.parse(read.time())).isBetween(before, after);
      assertThat(statuses.status("bafkreione")).isEqualTo(status);
      assertThat(statuses.attempts("bafkreione")).isEqualTo(2);
      LocalStatuses put = new LocalStatuses(new TrackerMetrics(new SimpleMeterRegistry()), UnaryOperator.identity());
      put.put("bafkreione", read);
      assertThat(put.get("bafkreione")).isEqualTo(read);
      TrackerMetrics.STATUSES.forEach(counted -> assertThat(metrics.count(counted)).as(counted)
          .isEqualTo(counted.equals(status) ? 1 : 0));
    }
    assertThat(statuses.status("bafkreitwo")).isNull();
    assertThat(statuses.attempts("bafkreitwo")).isZero();
  }

  @Test
  void aStatusKeepsTheMirrorsArrayForItsCid() {
    PinState mirror = new PinState();
    String cid = "bafkreiheld";
    mirror.put(cid, new Pin(cid, "", 1, 1, List.of("node1"), "node1", "2026-12-03T08:00:00Z", 3));
    byte[] held = mirror.sameKey(cid.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(mirror.sameKey("bafkreiheld".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isSameAs(held);
    byte[] other = "bafkreiother".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(mirror.sameKey(other)).isSameAs(other);

    List<byte[]> kept = new ArrayList<>();
    LocalStatuses statuses = new LocalStatuses(new TrackerMetrics(new SimpleMeterRegistry()), bytes -> {
      byte[] key = mirror.sameKey(bytes);
      kept.add(key);
      return key;
    });
    PinTracker.Local pinned = new PinTracker.Local("pinned", "", "2026-12-03T08:00:01Z", 1);
    statuses.put(cid, pinned);
    assertThat(kept).singleElement().isSameAs(held);
    assertThat(statuses.get(cid)).isEqualTo(pinned);
  }

  private static void assertAllAsExpected(LocalStatuses statuses, Map<String, PinTracker.Local> expected,
      List<String> cids, TrackerMetrics metrics) {
    for (String cid : cids) {
      assertThat(statuses.get(cid)).as(cid).isEqualTo(expected.get(cid));
      assertThat(statuses.containsKey(cid)).as(cid).isEqualTo(expected.containsKey(cid));
      assertThat(statuses.status(cid)).as(cid).isEqualTo(expected.containsKey(cid) ? expected.get(cid).status() : null);
      assertThat(statuses.attempts(cid)).as(cid).isEqualTo(expected.containsKey(cid) ? expected.get(cid).attempts() : 0);
    }
    assertThat(statuses.cids()).containsExactlyInAnyOrderElementsOf(expected.keySet());
    Map<String, PinTracker.Local> errors = new HashMap<>(expected);
    errors.values().removeIf(local -> !LocalStatuses.ERRORS.contains(local.status()));
    assertThat(statuses.errors(Integer.MAX_VALUE)).isEqualTo(errors);   // with an error text or without
    assertThat(statuses.errors(3)).hasSize(Math.min(3, errors.size()));
    assertThat(errors).containsAllEntriesOf(statuses.errors(3));
    // in CID order after a cursor, a part at a time (a recover's stream): every error once, in order
    TreeMap<String, PinTracker.Local> inOrder = new TreeMap<>(errors);
    List<String> walked = new ArrayList<>();
    for (String after = null; ; ) {
      NavigableMap<String, PinTracker.Local> part = statuses.errorsAfter(after, 7);
      assertThat(part.size()).isLessThanOrEqualTo(7);
      part.forEach((cid, local) -> assertThat(local).isEqualTo(inOrder.get(cid)));
      walked.addAll(part.keySet());
      if (part.size() < 7) {
        break;
      }
      after = part.lastKey();
    }
    assertThat(walked).containsExactlyElementsOf(inOrder.keySet());
    for (String status : TrackerMetrics.STATUSES) {
      assertThat(metrics.count(status)).as(status)
          .isEqualTo(expected.values().stream().filter(local -> local.status().equals(status)).count());
    }
  }

  private static PinTracker.Local status(Random random) {
    String status = STATUSES.get(random.nextInt(STATUSES.size()));
    String error = random.nextInt(10) == 0 ? "failed " + random.nextInt(100) : "";
    Instant time = Instant.ofEpochSecond(1_790_000_000L + random.nextInt(1_000_000), random.nextInt(1_000_000) * 1_000L);
    return new PinTracker.Local(status, error, time.toString(), random.nextInt(6));
  }
}
