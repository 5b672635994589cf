package dev.ferry.pin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The pinset's table of rows against a plain sorted map doing the same, captures included. */
class PinTableTest {
  private static final PinTable.Shape SHAPE = new PinTable.Shape("", 1, 2, List.of("node1"), "node1", null,
      Pin.Extras.NONE);

  private static byte[] key(int n) {
    return String.format("k%06d", n).getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void putsRemovesAndReadsAsASortedMapDoesAndACaptureStaysAsItWas() {
    Random random = new Random(7);
    PinTable table = new PinTable();
    TreeMap<String, Long> expected = new TreeMap<>();
    PinTable.Captured captured = null;
    Map<String, Long> atCapture = null;
    for (int step = 0; step < 60_000; step++) {
      int n = random.nextInt(step < 30_000 ? 5_000 : 1_500);   // grows, then shrinks: leaves split and merge
      String text = new String(key(n), StandardCharsets.ISO_8859_1);
      if (random.nextInt(3) == 0 || step >= 30_000 && random.nextBoolean()) {
        PinTable.Row before = table.remove(key(n));
        Long was = expected.remove(text);
        assertThat(before == null ? null : before.index()).isEqualTo(was);
      } else {
        PinTable.Row before = table.put(key(n), SHAPE, n, step);
        Long was = expected.put(text, (long) step);
        assertThat(before == null ? null : before.index()).isEqualTo(was);
      }
      if (step % 10_000 == 5_000) {
        if (captured != null) {
          assertThat(rows(captured.rows(0, captured.size()))).isEqualTo(atCapture);
        }
        captured = table.capture();
        atCapture = new TreeMap<>(expected);
      }
      if (step % 997 == 0) {
        assertThat(table.size()).isEqualTo(expected.size());
        assertThat(rows(table.rows(null))).isEqualTo(expected);
        String from = String.format("k%06d", random.nextInt(5_000));
        assertThat(rows(table.rows(from.getBytes(StandardCharsets.ISO_8859_1))))
            .isEqualTo(expected.tailMap(from, false));
      }
    }
    assertThat(rows(captured.rows(0, captured.size()))).isEqualTo(atCapture);
    // a capture read in ranges, as a snapshot's chunks read it
    Map<String, Long> inRanges = new TreeMap<>();
    for (int from = 0; from < captured.size(); from += 7) {
      inRanges.putAll(rows(captured.rows(from, Math.min(captured.size(), from + 7))));
    }
    assertThat(inRanges).isEqualTo(atCapture);
  }

  @Test
  void aKeyAlreadyHeldIsTheArrayTheTableKeepsAndRowsAppendedInOrderReadBack() {
    PinTable table = new PinTable();
    for (int n = 0; n < 1_000; n++) {
      table.append(key(n), SHAPE, n, n);
    }
    table.append(key(5), SHAPE, 55, 55);   // out of order: put
    assertThat(table.size()).isEqualTo(1_000);
    assertThat(table.get(key(5)).index()).isEqualTo(55);
    byte[] held = table.get(key(700)).key();
    assertThat(table.sameKey(key(700))).isSameAs(held);
    byte[] absent = key(5_000);
    assertThat(table.sameKey(absent)).isSameAs(absent);
    List<Long> indexes = new ArrayList<>();
    table.rows(null).forEachRemaining(row -> indexes.add(row.index()));
    assertThat(indexes).hasSize(1_000).startsWith(0L, 1L, 2L, 3L, 4L, 55L, 6L);
  }

  private static Map<String, Long> rows(Iterator<PinTable.Row> rows) {
    Map<String, Long> read = new TreeMap<>();
    byte[] previous = null;
    while (rows.hasNext()) {
      PinTable.Row row = rows.next();
      assertThat(previous == null || Arrays.compare(previous, row.key()) < 0).as("in order").isTrue();
      previous = row.key();
      read.put(new String(row.key(), StandardCharsets.ISO_8859_1), row.index());
    }
    return read;
  }
}
