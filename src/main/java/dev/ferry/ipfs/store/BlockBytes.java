package dev.ferry.ipfs.store;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A block held as pieces ({@link ByteBuffer}s, their bytes between position and limit, in order),
 * as it arrives from another node: views of what the connection received, stored without being
 * copied into one array first. Stateless; never changes a piece's position.
 */
public final class BlockBytes {
  private BlockBytes() {}

  /** How many bytes the pieces hold together. */
  public static long length(List<ByteBuffer> pieces) {
    long length = 0;
    for (ByteBuffer piece : pieces) {
      length += piece.remaining();
    }
    return length;
  }

  /** The pieces' bytes in one array (a copy). */
  public static byte[] copy(List<ByteBuffer> pieces) {
    byte[] bytes = new byte[Math.toIntExact(length(pieces))];
    int at = 0;
    for (ByteBuffer piece : pieces) {
      int n = piece.remaining();
      piece.duplicate().get(bytes, at, n);
      at += n;
    }
    return bytes;
  }

  /**
   * The pieces' bytes in one array, for a caller that only reads it: the array itself when the
   * block is one heap piece that is a whole array (as a block assembled from several fragments),
   * else a {@link #copy}.
   */
  public static byte[] array(List<ByteBuffer> pieces) {
    if (pieces.size() == 1) {
      ByteBuffer piece = pieces.get(0);
      if (piece.hasArray() && piece.arrayOffset() == 0 && piece.position() == 0
          && piece.remaining() == piece.array().length) {
        return piece.array();
      }
    }
    return copy(pieces);
  }

  /** Whether {@code bytes} are exactly the pieces' bytes. */
  static boolean equal(byte[] bytes, List<ByteBuffer> pieces) {
    int at = 0;
    for (ByteBuffer piece : pieces) {
      int n = piece.remaining();
      if (n > bytes.length - at || !ByteBuffer.wrap(bytes, at, n).equals(piece)) {
        return false;
      }
      at += n;
    }
    return at == bytes.length;
  }
}
