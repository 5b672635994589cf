package dev.ferry.testing;

import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.ImportOptions;
import dev.ferry.ipfs.store.Importer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;

/**
 * The CIDs an add must give, worked out independently of the daemon that adds: ferry's own
 * importer (whose CIDs {@code ImporterTest} and {@code TrickleAndShardingTest} check against
 * js-ipfs's importer for every layout, chunk size, CID version and leaf kind), run in memory on
 * the same file with Kubo's add options; and, for a hash the importer does not make, the known
 * form of a one-chunk file with raw leaves (the bytes themselves, a raw CIDv1). Stateless.
 */
public final class ReferenceCids {
  private static final int SHA2_512 = 0x13;
  private static final int SHA2_512_BYTES = 64;

  private ReferenceCids() {}

  /**
   * What adding {@code file} (named by its file name) with Kubo's {@code options} ({@code chunker},
   * {@code cid-version}, {@code raw-leaves}, {@code trickle}, {@code wrap-with-directory}) yields,
   * in add order: the file, then a wrapping directory if asked.
   */
  public static List<Cid> of(Path file, Map<String, String> options) {
    try {
      return new Importer(ImportOptions.fromKubo(options::get), (cid, block) -> { })
          .add(List.of(new Importer.Entry(file.getFileName().toString(), file))).stream()
          .map(Importer.Imported::cid).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CID of a file smaller than one chunk added with raw leaves and {@code hash=sha2-512}. */
  public static Cid rawSha2512(byte[] content) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-512").digest(content);
      byte[] multihash = new byte[2 + SHA2_512_BYTES];
      multihash[0] = SHA2_512;
      multihash[1] = SHA2_512_BYTES;
      System.arraycopy(digest, 0, multihash, 2, SHA2_512_BYTES);
      return Cid.v1(Cid.RAW, multihash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-512", e);
    }
  }
}
