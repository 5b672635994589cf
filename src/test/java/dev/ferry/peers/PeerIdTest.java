package dev.ferry.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** libp2p peer IDs: derived from Ed25519 keys as libp2p does, and read back strictly. */
class PeerIdTest {
  /** A peer ID js-libp2p gave an Ed25519 key, and that key's public half. */
  private static final String ED25519_ID = "12D3KooWCT1x98QjeqtmcJAaAhwCmo8Xcj1YEAVZfKBQx81VW9DC";
  private static final String ED25519_PUBLIC = "271b0106f781f739d92deb386e20759b52865ec7d53041439e8c906b8677506b";
  /** An RSA peer ID: the SHA-256 multihash (the libp2p spec's example). */
  private static final String RSA_ID = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";

  @Test
  void anEd25519PeerIdInlinesTheProtobufPublicKeyInAnIdentityMultihash() {
    byte[] key = HexFormat.of().parseHex(ED25519_PUBLIC);
    PeerId id = PeerId.ofEd25519(key);
    assertThat(id).hasToString(ED25519_ID);
    // identity multihash (0x00, 36 bytes) of PublicKey{Type: Ed25519, Data: 32 bytes}
    assertThat(HexFormat.of().formatHex(id.bytes())).isEqualTo("002408011220" + ED25519_PUBLIC);
    assertThat(id.ed25519PublicKey()).hasValueSatisfying(k -> assertThat(k).isEqualTo(key));
  }

  @Test
  void parsingGivesBackTheSamePeerIdAndAcceptsSha256Ones() {
    assertThat(PeerId.parse(ED25519_ID)).isEqualTo(PeerId.ofEd25519(HexFormat.of().parseHex(ED25519_PUBLIC)))
        .hasToString(ED25519_ID);
    assertThat(PeerId.parse(RSA_ID)).hasToString(RSA_ID);
    assertThat(PeerId.parse(RSA_ID).ed25519PublicKey()).isEmpty();
  }

  @Test
  void whatIsNoPeerIdIsRefusedSayingWhy() {
    assertThatThrownBy(() -> PeerId.parse("")).hasMessage("not a libp2p peer ID: '': it is empty");
    assertThatThrownBy(() -> PeerId.parse("node1")).hasMessageStartingWith("not a libp2p peer ID: 'node1': ");
    assertThatThrownBy(() -> PeerId.parse("12D3KooW0")).hasMessageContaining("'0' at character 9 is not base58btc");
    assertThatThrownBy(() -> PeerId.parse(ED25519_ID.substring(0, ED25519_ID.length() - 1)))
        .hasMessageContaining("digest bytes, but");
    assertThatThrownBy(() -> PeerId.parse(Base58.encode(HexFormat.of().parseHex("1302abcd"))))
        .hasMessageContaining("multihash code 0x13 is neither identity (0x00) nor SHA-256 (0x12)");
    assertThatThrownBy(() -> PeerId.parse(Base58.encode(HexFormat.of().parseHex("1202abcd"))))
        .hasMessageContaining("a SHA-256 multihash has 32 digest bytes, not 2");
    assertThatThrownBy(() -> PeerId.parse(Base58.encode(HexFormat.of().parseHex("0003010203"))))
        .hasMessageContaining("holds no libp2p public key");
    assertThatThrownBy(() -> PeerId.parse("1".repeat(200))).hasMessageContaining("is 200 characters long");
  }
}
