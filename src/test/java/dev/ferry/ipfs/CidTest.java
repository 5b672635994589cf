package dev.ferry.ipfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import org.junit.jupiter.api.Test;

class CidTest {
  /** One file added to js-ipfs as CIDv1, which its pin commands then name in base58btc. */
  private static final String V1_BASE32 = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
  private static final String V1_BASE58 = "zb2rhcc1wJn2GHDLT2YkmPq5b69cXc2xfRZZmyufbjFUfBkxr";
  private static final String V0 = "QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB";

  @Test
  void oneCidWrittenInTwoBasesIsOneCidShownInBase32() {
    Cid base32 = Cid.parse(V1_BASE32);
    Cid base58 = Cid.parse(V1_BASE58);
    assertThat(base58).isEqualTo(base32).hasSameHashCodeAs(base32);
    assertThat(base58.toString()).isEqualTo(V1_BASE32);
    assertThat(base32.version()).isEqualTo(1);
    assertThat(Cid.parse(V1_BASE32.toUpperCase())).isEqualTo(base32);
  }

  @Test
  void aCidV0StaysInBase58() {
    Cid v0 = Cid.parse(V0);
    assertThat(v0.version()).isZero();
    assertThat(v0).hasToString(V0).isNotEqualTo(Cid.parse(V1_BASE32));
  }

  @Test
  void aCidV0InAMultibaseIsThatCidV0AsGoCidReadsIt() {
    // js-ipfs 0.66's resolve of an IPNS name answers /ipfs/zQm...: base58btc of the CIDv0's bytes
    assertThat(Cid.parse("z" + V0)).isEqualTo(Cid.parse(V0)).hasToString(V0);
    assertThat(Cid.parse("f" + java.util.HexFormat.of().formatHex(Cid.parse(V0).toBytes()))).hasToString(V0);
  }

  @Test
  void base16ReadsTheSameBytes() {
    // f + hex of the CIDv1 bytes: 01 55 12 20 <digest>
    Cid hex = Cid.parse("f015512205891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
    assertThat(hex).isEqualTo(Cid.parse(V1_BASE32));
  }

  @Test
  void malformedTextSaysWhatIsWrongAndWhere() {
    assertRefused("", "it is empty");
    assertRefused("QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtio0B", "'0' at character 45 is not base58btc");
    assertRefused("hello", "unknown multibase prefix 'h'");
    assertRefused("bafkrei!ysg23", "'!' at character 8 is not lower-case base32");
    assertRefused(V1_BASE32.substring(0, 30), "digest bytes");
    assertRefused("f0255", "CID version 2 is not supported");
    assertRefused("f0", "base16 needs an even number of digits");
    assertRefused("b" + "a".repeat(600), "characters long");
    assertThatThrownBy(() -> Cid.parse(null)).isInstanceOf(FerryException.class);
  }

  private static void assertRefused(String text, String why) {
    assertThatThrownBy(() -> Cid.parse(text))
        .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.BAD_REQUEST))
        .hasMessageContaining("not a CID")
        .hasMessageContaining(why);
  }
}
