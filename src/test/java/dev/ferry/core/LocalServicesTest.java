package dev.ferry.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.testing.Futures;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How code on a node finds the one object of a type there: published services and values built once. */
class LocalServicesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String DEPLOY = "deploy verticles/shelf.json (dev.ferry.shelf.ShelfVerticle)";

  /** A service's Java API, as Mailboxes or Registry are. */
  interface Shelf {
    String name();
  }

  record NamedShelf(String name) implements Shelf {}

  /** A config record, as RaftSettings or PinConfig are. */
  record ShelfConfig(int size) {}

  private Vertx vertx;
  private Vertx otherNode;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    otherNode = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    Futures.await(vertx.close(), WAIT);
    Futures.await(otherNode.close(), WAIT);
  }

  @Test
  void aServiceNobodyPublishedIsUnavailableNamingWhatToDeploy() {
    assertThatThrownBy(() -> LocalServices.get(vertx, Shelf.class, DEPLOY))
        .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo(FerryException.UNAVAILABLE))
        .hasMessage("no Shelf on this node: " + DEPLOY);
  }

  @Test
  void aPublishedServiceIsFoundByItsTypeOnItsNodeOnly() {
    Shelf shelf = new NamedShelf("a");
    LocalServices.publish(vertx, Shelf.class, shelf);

    assertThat(LocalServices.get(vertx, Shelf.class, DEPLOY)).isSameAs(shelf);
    assertThatThrownBy(() -> LocalServices.get(otherNode, Shelf.class, DEPLOY)).isInstanceOf(FerryException.class);
  }

  @Test
  void aWithdrawnServiceIsGoneButWithdrawingAnOlderOneKeepsItsReplacement() {
    Shelf first = new NamedShelf("first");
    Shelf second = new NamedShelf("second");
    LocalServices.publish(vertx, Shelf.class, first);
    LocalServices.publish(vertx, Shelf.class, second);

    LocalServices.withdraw(vertx, Shelf.class, first);
    assertThat(LocalServices.get(vertx, Shelf.class, DEPLOY)).isSameAs(second);

    LocalServices.withdraw(vertx, Shelf.class, second);
    assertThatThrownBy(() -> LocalServices.get(vertx, Shelf.class, DEPLOY))
        .hasMessage("no Shelf on this node: " + DEPLOY);
  }

  @Test
  void aValueBuiltOnceIsBuiltAtTheFirstCallAndTheSameObjectAfterPerNode() {
    AtomicInteger builds = new AtomicInteger();

    ShelfConfig first = LocalServices.once(vertx, ShelfConfig.class, () -> new ShelfConfig(builds.incrementAndGet()));
    ShelfConfig again = LocalServices.once(vertx, ShelfConfig.class, () -> new ShelfConfig(builds.incrementAndGet()));
    ShelfConfig elsewhere = LocalServices.once(otherNode, ShelfConfig.class,
        () -> new ShelfConfig(builds.incrementAndGet()));

    assertThat(again).isSameAs(first);
    assertThat(first.size()).isEqualTo(1);
    assertThat(elsewhere.size()).isEqualTo(2);
    assertThat(builds).hasValue(2);
  }

  @Test
  void aFailedBuildIsThrownAndNotKept() {
    assertThatThrownBy(() -> LocalServices.once(vertx, ShelfConfig.class, () -> {
      throw new ConfigException("shelf.size: expected a positive integer, got 0");
    })).isInstanceOf(ConfigException.class).hasMessage("shelf.size: expected a positive integer, got 0");

    assertThat(LocalServices.once(vertx, ShelfConfig.class, () -> new ShelfConfig(3)).size()).isEqualTo(3);
  }

  @Test
  void aValueMayBeBuiltFromAnotherValueBuiltOnce() {
    Shelf shelf = LocalServices.once(vertx, Shelf.class,
        () -> new NamedShelf("size " + LocalServices.once(vertx, ShelfConfig.class, () -> new ShelfConfig(7)).size()));

    assertThat(shelf.name()).isEqualTo("size 7");
    assertThat(LocalServices.once(vertx, ShelfConfig.class, () -> new ShelfConfig(8)).size()).isEqualTo(7);
  }
}
