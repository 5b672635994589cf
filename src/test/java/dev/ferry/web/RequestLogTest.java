package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The API's debug request log shows where a request went, never the bridge token the dashboard puts in its URLs. */
class RequestLogTest {
  @Test
  void aTokenInTheQueryIsMaskedAndTheRestKept() {
    assertThat(WebVerticle.withoutToken("/eventbus/info?token=s3cret&t=1")).isEqualTo("/eventbus/info?token=***&t=1");
    assertThat(WebVerticle.withoutToken("/ui/?x=1&token=s3cret")).isEqualTo("/ui/?x=1&token=***");
    assertThat(WebVerticle.withoutToken("/pins?mytoken=kept")).isEqualTo("/pins?mytoken=kept");
    assertThat(WebVerticle.withoutToken("/id")).isEqualTo("/id");
  }
}
