package dev.ferry.pin;

import dev.ferry.testing.IpfsCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** {@link PinServiceTest} on nodes each with its own real js-ipfs daemon ({@code ipfs.api} set). */
class PinServiceOnJsIpfsTest extends PinServiceTest {
  @BeforeAll
  static void startOnDaemons(@TempDir Path dir) {
    start(IpfsCluster.Kind.JS_IPFS, dir);
  }
}
