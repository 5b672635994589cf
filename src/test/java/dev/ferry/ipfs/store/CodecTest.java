package dev.ferry.ipfs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** dag-pb, UnixFS, multihash and CID bytes as their specifications write them. */
class CodecTest {
  private static final HexFormat HEX = HexFormat.of();
  /** Kubo's empty file: a dag-pb node with no links and UnixFS {Type: File, filesize: 0}. */
  private static final String EMPTY_FILE_BLOCK = "0a0408021800";
  private static final String EMPTY_FILE_CID = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH";

  @Test
  void theEmptyFileIsKubosBlockAndCid() {
    byte[] block = DagPb.encode(new DagPb.Node(List.of(), UnixFs.file(new byte[0], List.of()).encode()));
    assertThat(HEX.formatHex(block)).isEqualTo(EMPTY_FILE_BLOCK);
    assertThat(Cid.v0(HashFunction.SHA2_256.multihash(block))).hasToString(EMPTY_FILE_CID);
  }

  @Test
  void linksComeBeforeDataAndLinkFieldsInHashNameTsizeOrder() {
    Cid target = Cid.parse(EMPTY_FILE_CID);
    byte[] block = DagPb.encode(new DagPb.Node(List.of(new DagPb.Link(target, "a", 6L)), new byte[] {8, 1}));
    String hash = HEX.formatHex(target.toBytes());
    // 12 = field 2 (Links) length-delimited; inside: 0a Hash, 12 Name, 18 Tsize; then 0a = field 1 (Data)
    assertThat(HEX.formatHex(block)).isEqualTo("12" + "29" + "0a22" + hash + "120161" + "1806" + "0a020801");
    DagPb.Node back = DagPb.decode(block);
    assertThat(back.links()).containsExactly(new DagPb.Link(target, "a", 6L));
    assertThat(back.data()).containsExactly(8, 1);
  }

  @Test
  void absentNameTsizeAndDataStayAbsent() {
    Cid target = Cid.parse(EMPTY_FILE_CID);
    DagPb.Node node = new DagPb.Node(List.of(new DagPb.Link(target, null, null)), null);
    byte[] block = DagPb.encode(node);
    assertThat(HEX.formatHex(block)).isEqualTo("1224" + "0a22" + HEX.formatHex(target.toBytes()));
    DagPb.Node back = DagPb.decode(block);
    assertThat(back.data()).isNull();
    assertThat(back.links().get(0).name()).isNull();
    assertThat(back.links().get(0).tsize()).isNull();
    assertThat(DagPb.decode(new byte[0]).links()).isEmpty();
  }

  @Test
  void nonCanonicalOrMalformedDagPbIsRefusedSayingWhy() {
    String link = "1224" + "0a22" + HEX.formatHex(Cid.parse(EMPTY_FILE_CID).toBytes());
    assertThatThrownBy(() -> DagPb.decode(HEX.parseHex("0a00" + link)))
        .isInstanceOf(FerryException.class).hasMessageContaining("a link follows the Data field");
    assertThatThrownBy(() -> DagPb.decode(HEX.parseHex("0a000a00"))).hasMessageContaining("Data field appears twice");
    assertThatThrownBy(() -> DagPb.decode(HEX.parseHex("1a00"))).hasMessageContaining("unknown PBNode field 3");
    assertThatThrownBy(() -> DagPb.decode(HEX.parseHex("0a05aa"))).hasMessageContaining("says 5 bytes but only 1");
    assertThatThrownBy(() -> DagPb.decode(HEX.parseHex("08 01".replace(" ", ""))))
        .hasMessageContaining("wire type 0, expected 2");
    assertThatThrownBy(() -> DagPb.decode(HEX.parseHex("1203120161"))).hasMessageContaining("a link without a Hash");
    // Name before Hash
    assertThatThrownBy(() -> DagPb.decode(HEX.parseHex("1227120161" + "0a22" + HEX.formatHex(
        Cid.parse(EMPTY_FILE_CID).toBytes())))).hasMessageContaining("out of order or repeated");
    assertThatThrownBy(() -> DagPb.decode(HEX.parseHex("0a8000"))).hasMessageContaining("not minimally encoded");
  }

  @Test
  void aLeafEncodedWithItsChunkCopiedOnceHasTheBytesOfTheGeneralEncoder() {
    java.util.Random random = new java.util.Random(16);
    for (int size : new int[] {0, 1, 127, 128, 1023, 1024, 1025, 16_383, 16_384, 262_144}) {
      byte[] chunk = new byte[size];
      random.nextBytes(chunk);
      for (UnixFs data : List.of(UnixFs.file(chunk, List.of()), UnixFs.raw(chunk))) {
        assertThat(DagPb.encodeLeaf(data)).as("%s leaf of %d bytes", data.type(), size)
            .isEqualTo(DagPb.encode(new DagPb.Node(List.of(), data.encode())));
      }
    }
    assertThat(HEX.formatHex(DagPb.encodeLeaf(UnixFs.file(new byte[0], List.of())))).isEqualTo(EMPTY_FILE_BLOCK);
  }

  @Test
  void aLeafWrittenAroundItsChunkHasTheBytesOfTheGeneralEncoder() {
    java.util.Random random = new java.util.Random(17);
    for (int size : new int[] {1, 127, 128, 1023, 1024, 1025, 16_383, 16_384, 262_144, 1_048_576}) {
      byte[] chunk = new byte[size];
      random.nextBytes(chunk);
      for (UnixFs.Type type : List.of(UnixFs.Type.FILE, UnixFs.Type.RAW)) {
        Protobuf.Writer frame = DagPb.leafFrame(type, size);
        byte[] block = new byte[frame.size()];
        java.util.Arrays.fill(block, (byte) 0x5a);  // what the frame must write over
        System.arraycopy(chunk, 0, block, frame.holeAt(), size);
        frame.writeAround(block);
        UnixFs data = type == UnixFs.Type.FILE ? UnixFs.file(chunk, List.of()) : UnixFs.raw(chunk);
        assertThat(block).as("%s leaf of %d bytes", type, size)
            .isEqualTo(DagPb.encode(new DagPb.Node(List.of(), data.encode())));
      }
    }
    assertThatThrownBy(() -> DagPb.leafFrame(UnixFs.Type.FILE, 8).toByteArray()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> DagPb.leafFrame(UnixFs.Type.FILE, 8).writeAround(new byte[3]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unixFsWritesFieldsInNumberOrderWithBlocksizesUnpacked() {
    UnixFs parent = UnixFs.file(new byte[0], List.of(262144L, 10L));
    assertThat(HEX.formatHex(parent.encode())).isEqualTo("0802" + "18" + "8a8010" + "20" + "808010" + "200a");
    UnixFs back = UnixFs.decode(parent.encode());
    assertThat(back.type()).isEqualTo(UnixFs.Type.FILE);
    assertThat(back.blockSizes()).containsExactly(262144L, 10L);
    assertThat(back.contentSize()).isEqualTo(262154L);
    assertThat(HEX.formatHex(UnixFs.directory().encode())).isEqualTo("0801");
    assertThat(HEX.formatHex(UnixFs.file("hi".getBytes(StandardCharsets.UTF_8), List.of()).encode()))
        .isEqualTo("0802" + "12026869" + "1802");
    assertThatThrownBy(() -> UnixFs.decode(HEX.parseHex("1800"))).hasMessageContaining("no Type");
    assertThatThrownBy(() -> UnixFs.decode(HEX.parseHex("0809"))).hasMessageContaining("unknown UnixFS type 9");
  }

  @Test
  void blake2b256MatchesItsReferenceVectors() {
    // RFC 7693's algorithm at a 32-byte digest, as Python's hashlib.blake2b(digest_size=32) gives it
    assertThat(HEX.formatHex(Blake2b.digest(new byte[0], 32)))
        .isEqualTo("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    assertThat(HEX.formatHex(Blake2b.digest("abc".getBytes(StandardCharsets.US_ASCII), 32)))
        .isEqualTo("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    byte[] multiBlock = new byte[256 * 5];
    for (int i = 0; i < multiBlock.length; i++) {
      multiBlock[i] = (byte) i;
    }
    assertThat(HEX.formatHex(Blake2b.digest(multiBlock, 32)))
        .isEqualTo("82628cbfc9689e234b0923a531f4578fe2e7138a03e2f81ed6cde97517336650");
    // RFC 7693 appendix A: BLAKE2b-512("abc")
    assertThat(HEX.formatHex(Blake2b.digest("abc".getBytes(StandardCharsets.US_ASCII), 64))).isEqualTo(
        "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            + "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
    // the multihash: varint code 0xb220, length 32
    assertThat(HEX.formatHex(HashFunction.BLAKE2B_256.multihash(new byte[0]))).startsWith("a0e40220");
  }

  @Test
  void cidsAreBuiltFromCodecAndMultihashAndWrittenInBase32OrBase58btc() {
    Cid raw = Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash("hello\n".getBytes(StandardCharsets.US_ASCII)));
    assertThat(raw).hasToString("bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am");
    assertThat(raw.toBase58btc()).isEqualTo("zb2rhcc1wJn2GHDLT2YkmPq5b69cXc2xfRZZmyufbjFUfBkxr");
    assertThat(raw.codec()).isEqualTo(Cid.RAW);
    assertThat(Cid.fromBytes(raw.toBytes())).isEqualTo(raw);
    Cid v0 = Cid.parse(EMPTY_FILE_CID);
    assertThat(v0.codec()).isEqualTo(Cid.DAG_PB);
    assertThat(v0.toV1().toString()).isEqualTo("bafybeif7ztnhq65lumvvtr4ekcwd2ifwgm3awq4zfr3srh462rwyinlb4y");
    assertThat(v0.toV1().multihash()).isEqualTo(v0.multihash());
    assertThat(Cid.fromBytes(v0.toBytes())).isEqualTo(v0);
    assertThatThrownBy(() -> Cid.v0(HashFunction.BLAKE2B_256.multihash(new byte[0])))
        .hasMessageContaining("a CIDv0 is a SHA-256 multihash");
    assertThatThrownBy(() -> Cid.fromBytes(new byte[] {1, 0x55, 0x12, 32, 1}))
        .hasMessageContaining("its multihash says 32 digest bytes, but 1 follow");
  }
}
