package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.node.FerryException;
import org.junit.jupiter.api.Test;

class UriCheckTest {
  @Test
  void wellFormedUtf8UrisPass() {
    assertThat(UriCheck.problem("/kv/caf%C3%A9?prefix=a%2Fb&limit=3&flag&x=a+b&y=%25")).isEmpty();
    assertThat(UriCheck.problem("/")).isEmpty();
  }

  @Test
  void aMalformedEscapeIsNamedWithItsPlace() {
    assertThat(message("/kv?prefix=%ZZ")).startsWith("query parameter 'prefix' ('%ZZ'): malformed percent-escape '%ZZ'");
    assertThat(message("/kv?prefix=ab%")).contains("'prefix'", "malformed percent-escape '%'");
    assertThat(message("/kv?prefix=%4")).contains("malformed percent-escape '%4'");
    assertThat(message("/kv/a%G0b")).startsWith("path '/kv/a%G0b': malformed percent-escape '%G0'");
    assertThat(message("/id?%ZZ=1")).startsWith("query parameter name '%ZZ'");
  }

  @Test
  void bytesThatAreNotUtf8AreRefusedNotReplaced() {
    assertThat(message("/kv/%FF")).startsWith("path '/kv/%FF': does not decode to UTF-8 text");
    assertThat(message("/kv?prefix=%C3")).contains("'prefix'", "UTF-8");
    assertThat(message("/kv?prefix=%C0%AF")).as("an overlong encoding of '/'").contains("UTF-8");
    assertThat(message("/kv?prefix=%ED%A0%80")).as("a lone surrogate").contains("UTF-8");
  }

  @Test
  void aRawNonAsciiByteMustBeEscaped() {
    // Vert.x would read the UTF-8 bytes of "café" as Latin-1, "cafÃ©"
    assertThat(message("/kv?prefix=caf\u00c3\u00a9")).contains("'prefix' ('caf%C3%A9')", "raw non-ASCII byte 0xC3");
    assertThat(message("/kv/caf\u00c3\u00a9")).startsWith("path '/kv/caf%C3%A9': raw non-ASCII byte 0xC3");
  }

  private static String message(String uri) {
    FerryException problem = UriCheck.problem(uri).orElseThrow();
    assertThat(problem.code()).isEqualTo(FerryException.BAD_REQUEST);
    return problem.getMessage();
  }
}
