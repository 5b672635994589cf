package dev.ferry.pin;

import dev.ferry.testing.IpfsCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** {@link PinServiceTest} on nodes with their embedded stores ({@code ipfs.api} unset, the default). */
class PinServiceOnEmbeddedStoresTest extends PinServiceTest {
  @BeforeAll
  static void startOnStores(@TempDir Path dir) {
    start(IpfsCluster.Kind.EMBEDDED, dir);
  }
}
