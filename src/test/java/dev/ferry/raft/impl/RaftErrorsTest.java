package dev.ferry.raft.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.FerryException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** What a client is told when a Raft request fails: a read that times out never claims it may have changed something. */
class RaftErrorsTest {
  @Test
  void aReadThatTimesOutSaysItChangedNothing() {
    FerryException read = RaftErrors.forRead("kv", new TimeoutException("4000 ms"));
    assertThat(read.code()).isEqualTo(FerryException.TIMEOUT);
    assertThat(read.getMessage()).contains("group kv", "A read changes nothing").doesNotContain("may or may not");
  }

  @Test
  void aProposalThatTimesOutMayHaveBeenApplied() {
    assertThat(RaftErrors.of("kv", new TimeoutException("4000 ms")).getMessage()).contains("may or may not be applied");
  }

  @Test
  void aReadFailingOtherwiseKeepsItsCode() {
    FerryException bad = RaftErrors.forRead("kv", FerryException.badRequest("field key: expected a string"));
    assertThat(bad.code()).isEqualTo(FerryException.BAD_REQUEST);
    assertThat(bad.getMessage()).isEqualTo("field key: expected a string");
  }
}
