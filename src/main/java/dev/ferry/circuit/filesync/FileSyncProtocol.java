package dev.ferry.circuit.filesync;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * The filesync conversation on one circuit, one file per circuit (docs/CIRCUITS.md, "filesync"):
 * <pre>
 * sender                                   receiver
 * OFFER  args path, size, mtime      -->
 *                                    <--   ACCEPT part = offset to resume from (0: from the start)
 * DATA   part = offset, args crc32c  -->   (each verified, then written to the partial file)
 *                                    <--   ACK part = bytes written so far
 * DONE   args sha256, size           -->   (whole file verified, then moved into place)
 *                                    <--   COMPLETE
 * </pre>
 * A refusal or failure comes back as an error fragment {@code "<code>: <message>"}; code
 * {@code checksum} means "send it again". Stateless.
 */
final class FileSyncProtocol {
  static final int OFFER = 1;
  static final int ACCEPT = 2;
  static final int DATA = 3;
  static final int ACK = 4;
  static final int DONE = 5;
  static final int COMPLETE = 6;

  static final String PATH = "path";
  static final String SIZE = "size";
  static final String MTIME = "mtime";
  static final String CRC = "crc32c";
  static final String SHA256 = "sha256";

  /** Read size when hashing a file on a worker thread. */
  static final int HASH_CHUNK_BYTES = 64 * 1024;

  /** Error code of a fragment or file whose checksum does not match: worth sending again. */
  static final String CHECKSUM = "checksum";

  private FileSyncProtocol() {}

  static String crc32c(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(ByteBuffer.wrap(bytes));
    return Long.toHexString(crc.getValue());
  }

  static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }
}
