package dev.ferry.ipfs.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.testing.Futures;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the embedded store resolves of an IPFS path for {@code /pins/ipfs/...}: the CID itself, a path
 * below it through its directories (TrickleAndShardingTest walks one), not IPNS (a clear 501).
 */
class ContentStoreResolveTest {
  private static final String CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
  @TempDir
  Path dir;
  private Vertx vertx;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeVertx() {
    vertx.close();
  }

  @Test
  void aCidPathIsItsCidAPathBelowOneNeedsItsBlocksAndIpnsIsNotImplementedSayingWhatToDo() {
    ContentStore store = new ContentStore(vertx, dir, 1 << 20);
    assertThat(Futures.await(store.resolve("/ipfs/" + CID), Duration.ofSeconds(10))).isEqualTo(Cid.parse(CID));
    Throwable below = Futures.cause(store.resolve("/ipfs/" + CID + "/a.txt"), Duration.ofSeconds(10));
    assertThat(below).isInstanceOfSatisfying(FerryException.class,
        e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(FerryException.NOT_FOUND));
    Throwable ipns = store.resolve("/ipns/example.org").cause();
    assertThat(ipns).isInstanceOfSatisfying(FerryException.class, e -> {
      assertThat(e.code()).isEqualTo(FerryException.NOT_IMPLEMENTED);
      assertThat(e.getMessage()).contains("/ipns/example.org").contains("set ipfs.api to a Kubo daemon");
    });
    assertThat(store.resolve("/ipfs/QmNotACid").cause()).isInstanceOfSatisfying(FerryException.class,
        e -> assertThat(e.code()).isEqualTo(FerryException.BAD_REQUEST));
  }
}
