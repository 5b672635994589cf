package dev.ferry.core;


import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.Test;

class FerryExceptionTest {
  @Test
  void aFailureSentOverTheBusComesBackWithItsCode() {
    var sent = new FerryException("no-leader", "no leader for group kv: the cluster has no quorum");
    // what Message.fail(httpStatus, "<code>: <message>") turns into at the requester
    var received = new ReplyException(ReplyFailure.RECIPIENT_FAILURE, sent.httpStatus(),
        sent.code() + ": " + sent.getMessage());
    FerryException decoded = FerryException.from(received);
    assertThat(decoded.code()).isEqualTo("no-leader");
    assertThat(decoded.getMessage()).isEqualTo("no leader for group kv: the cluster has no quorum");
    assertThat(decoded.httpStatus()).isEqualTo(503);
  }

  @Test
  void busFailuresOfItsOwnGetTheirCodes() {
    assertThat(FerryException.from(new ReplyException(ReplyFailure.TIMEOUT, "t")).code()).isEqualTo("timeout");
    assertThat(FerryException.from(new ReplyException(ReplyFailure.NO_HANDLERS, "x")).code()).isEqualTo("unavailable");
    assertThat(FerryException.from(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 500, "boom")).code())
        .isEqualTo("internal");
    assertThat(FerryException.from(new IllegalStateException("x")).code()).isEqualTo("internal");
  }

  @Test
  void anAddressNobodyServesIsWhatTheCallerSaysItMeansAndEveryOtherFailureAsBefore() {
    FerryException gone = new FerryException("mailbox-gone", "mailbox a is gone");
    assertThat(FerryException.from(new ReplyException(ReplyFailure.NO_HANDLERS, "x"), () -> gone)).isSameAs(gone);
    assertThat(FerryException.from(new ReplyException(ReplyFailure.TIMEOUT, "t"), () -> gone).code()).isEqualTo("timeout");
    assertThat(FerryException.from(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 404, "not-found: no x"), () -> gone)
        .getMessage()).isEqualTo("no x");
  }
}
