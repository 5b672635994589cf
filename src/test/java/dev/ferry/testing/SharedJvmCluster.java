package dev.ferry.testing;

import dev.ferry.mailbox.Mailbox;
import dev.ferry.mailbox.Mailboxes;
import dev.ferry.node.Node;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One cluster of in-JVM nodes shared by the tests of a class: started, with every node seeing
 * every other, before the first test, and closed after the last. Use it as
 * {@code @RegisterExtension static final SharedJvmCluster cluster = new SharedJvmCluster(3);}.
 */
public final class SharedJvmCluster implements BeforeAllCallback, AfterAllCallback {
  private final int size;
  private TestCluster.JvmCluster cluster;

  public SharedJvmCluster(int size) {
    this.size = size;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster = TestCluster.inJvm(size).awaitFullMembership();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The running node {@code i}. */
  public Node node(int i) {
    return cluster.node(i);
  }

  /** The mailboxes of node {@code i}. */
  public Mailboxes mailboxes(int i) {
    return cluster.mailboxes(i);
  }

  /** A new unbounded mailbox on node {@code i}, reachable from the whole cluster. */
  public Mailbox newMailbox(int i) {
    return cluster.mailboxes(i).create().await();
  }

  /** A firewall between these nodes (heal it before the test ends: the cluster is shared). */
  public Firewall firewall() {
    return new Firewall(cluster);
  }

  /** The HTTP API port of node {@code i}. */
  public int apiPort(int i) {
    return cluster.apiPort(i);
  }
}
