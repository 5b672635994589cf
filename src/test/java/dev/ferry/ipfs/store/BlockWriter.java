package dev.ferry.ipfs.store;

import dev.ferry.ipfs.Cid;
import java.nio.file.Path;
import java.util.Random;

/**
 * A process that puts random blocks into a block store until it is killed, printing {@code put N}
 * after each: the victim of {@link BlockStoreTest}'s kill -9.
 */
public final class BlockWriter {
  private static final int BLOCK_BYTES = 256 * 1024;

  private BlockWriter() {}

  public static void main(String[] args) {
    BlockStore store = BlockStore.open(Path.of(args[0]), Long.MAX_VALUE);
    Random random = new Random();
    for (long n = 1; ; n++) {
      byte[] block = new byte[BLOCK_BYTES];
      random.nextBytes(block);
      store.put(Cid.v1(Cid.RAW, HashFunction.SHA2_256.multihash(block)), block);
      System.out.println("put " + n);
      System.out.flush();
    }
  }
}
