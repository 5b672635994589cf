package dev.ferry.raft;

import static dev.ferry.raft.Linearizability.Kind.CAS;
import static dev.ferry.raft.Linearizability.Kind.DELETE;
import static dev.ferry.raft.Linearizability.Kind.GET;
import static dev.ferry.raft.Linearizability.Kind.PUT;
import static dev.ferry.raft.Linearizability.NOT_CHECKED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.raft.Linearizability.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker itself, on small histories whose verdict is known. */
class LinearizabilityCheckerTest {
  private static final long NEVER = Long.MAX_VALUE;

  static Op put(int c, String v, long from, long to) {
    return new Op(c, "k", PUT, v, null, NOT_CHECKED, null, from, to);
  }

  static Op get(int c, String v, long from, long to) {
    return new Op(c, "k", GET, v, null, null, null, from, to);
  }

  static Op cas(int c, String expect, String v, Boolean ok, long from, long to) {
    return new Op(c, "k", CAS, v, expect, null, ok, from, to);
  }

  @Test
  void sequentialReadsOfTheLastWriteAreLinearizable() {
    assertThat(Linearizability.check(List.of(put(1, "a", 0, 1), get(2, "a", 2, 3), put(1, "b", 4, 5),
        get(2, "b", 6, 7)))).isNull();
  }

  @Test
  void aStaleReadAfterAWriteCompletedIsNot() {
    assertThat(Linearizability.check(List.of(put(1, "a", 0, 1), put(1, "b", 2, 3), get(2, "a", 4, 5))))
        .contains("key k is not linearizable");
  }

  @Test
  void concurrentOpsMayTakeEffectInEitherOrder() {
    assertThat(Linearizability.check(List.of(put(1, "a", 0, 10), put(2, "b", 1, 9), get(3, "a", 11, 12))))
        .isNull();
    assertThat(Linearizability.check(List.of(put(1, "a", 0, 10), put(2, "b", 1, 9), get(3, "b", 11, 12))))
        .isNull();
  }

  @Test
  void readsMustNotFlipBackAndForth() {
    assertThat(Linearizability.check(List.of(put(1, "a", 0, 1), put(2, "b", 2, 20), get(3, "b", 3, 4),
        get(3, "a", 5, 6)))).isNotNull();
  }

  @Test
  void anOutcomeUnknownWriteMayApplyLateOrNever() {
    assertThat(Linearizability.check(List.of(put(1, "a", 0, 1), put(2, "b", 2, NEVER), get(3, "a", 3, 4),
        get(3, "b", 5, 6)))).isNull();
    assertThat(Linearizability.check(List.of(put(1, "a", 0, 1), put(2, "b", 2, NEVER), get(3, "a", 3, 4))))
        .isNull();
    assertThat(Linearizability.check(List.of(put(1, "a", 0, 1), put(2, "b", 2, NEVER), get(3, "b", 3, 4),
        get(3, "a", 5, 6)))).isNotNull();
  }

  @Test
  void casAnswersMustMatchTheState() {
    assertThat(Linearizability.check(List.of(cas(1, null, "a", true, 0, 1), cas(2, null, "b", false, 2, 3),
        cas(2, "a", "b", true, 4, 5), get(3, "b", 6, 7)))).isNull();
    assertThat(Linearizability.check(List.of(cas(1, null, "a", true, 0, 1), cas(2, null, "b", true, 2, 3))))
        .isNotNull();
  }

  @Test
  void deletesAndThePreviousValueArePartOfTheModel() {
    Op putA = new Op(1, "k", PUT, "a", null, null, null, 0, 1);
    Op del = new Op(1, "k", DELETE, null, null, null, true, 2, 3);
    Op putB = new Op(1, "k", PUT, "b", null, null, null, 4, 5);
    assertThat(Linearizability.check(List.of(putA, del, putB))).isNull();
    Op wrongPrevious = new Op(1, "k", PUT, "b", null, "a", null, 4, 5);
    assertThat(Linearizability.check(List.of(putA, del, wrongPrevious))).isNotNull();
  }

  @Test
  void keysAreCheckedIndependently() {
    Op other = new Op(9, "other", GET, "zzz", null, null, null, 0, 1);
    assertThat(Linearizability.check(List.of(put(1, "a", 0, 1), other))).contains("key other");
  }
}
