package dev.ferry.testing;

/**
 * A data dir whose disk a test fills and frees: a real small filesystem ({@link SmallDisk}, needs
 * root) or a service's own write hook where mounting is not possible. Not thread-safe: one test uses it.
 */
public interface FillableDisk extends AutoCloseable {
  /** Takes all of the free space but {@code leave} bytes; later writes beyond it fail with "no space left". */
  void fillLeaving(long leave);

  /** Space returns, as when an operator frees some. */
  void freeSpace();

  @Override
  void close();
}
