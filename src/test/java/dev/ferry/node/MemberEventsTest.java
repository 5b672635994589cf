package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.Members;
import dev.ferry.core.Members.Change;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.TestCluster;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The typed member events services subscribe to ({@link Members#onJoined}, {@link Members#onLeft}):
 * a node that leaves and a node that joins, each told once, with its run and the members after, on
 * the subscriber's own context.
 */
@Timeout(180)
class MemberEventsTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @Test
  void aNodeThatLeavesAndJoinsAgainIsToldToSubscribersOnTheirContext() {
    try (var cluster = TestCluster.inJvm(2).awaitFullMembership()) {
      Node watcher = cluster.node(1);
      String firstRun = cluster.node(2).incarnation().id();
      List<Change> joined = new CopyOnWriteArrayList<>();
      List<Change> left = new CopyOnWriteArrayList<>();
      List<Thread> calledOn = new CopyOnWriteArrayList<>();
      Context context = watcher.vertx().getOrCreateContext();
      Thread[] contextThread = new Thread[1];
      Promise<Void> subscribed = Promise.promise();
      context.runOnContext(v -> {
        contextThread[0] = Thread.currentThread();
        Future.all(
            watcher.members().onJoined(change -> {
              calledOn.add(Thread.currentThread());
              joined.add(change);
            }),
            watcher.members().onLeft(change -> {
              calledOn.add(Thread.currentThread());
              left.add(change);
            })).<Void>mapEmpty().onComplete(subscribed);
      });
      subscribed.future().await();

      cluster.stop(2);
      Eventually.await("node1 to be told that node2 left", DEADLINE, () -> !left.isEmpty());
      assertThat(left).containsExactly(new Change("node2", firstRun, List.of("node1")));
      assertThat(joined).isEmpty();

      String secondRun = cluster.restart(2).incarnation().id();
      Eventually.await("node1 to be told that node2 joined again", DEADLINE, () -> !joined.isEmpty());
      assertThat(joined).containsExactly(new Change("node2", secondRun, List.of("node1", "node2")));
      assertThat(secondRun).isNotEqualTo(firstRun);
      assertThat(left).hasSize(1);
      assertThat(calledOn).hasSize(2).allMatch(thread -> thread == contextThread[0]);
    }
  }
}
