package dev.ferry.chat;

import dev.ferry.mailbox.Address;
import dev.ferry.mailbox.Mailbox;
import dev.ferry.mailbox.Mailboxes;
import dev.ferry.node.Node;
import dev.ferry.node.NodeOptions;
import dev.ferry.registry.MultipleClaim;
import dev.ferry.registry.Registry;
import io.vertx.core.Future;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ferry chat --name NAME}: a port of reign's chat sample. Runs as node NAME, registers
 * {@code chatter_NAME}, prints every message it receives as {@code <from>: <text>}, sends each
 * line of standard input to every other registered chatter, and exits at the end of input.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
    description = "Chat with the other chatters of the cluster (reign's sample): lines in, messages out.")
public final class ChatCommand implements Callable<Integer> {
  static final String PREFIX = "chatter_";
  private static final long WAIT_SECONDS = 15;

  @Spec CommandSpec spec;

  @Mixin NodeOptions options;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    if (options.name().isEmpty()) {
      spec.commandLine().getErr().println("ferry chat: --name is required: the chatter's node name");
      return 2;
    }
    Optional<Node> started = options.start(Map.of(), spec.commandLine().getErr(), "ferry chat");
    if (started.isEmpty()) {
      return 1;
    }
    Node node = started.get();
    try {
      Registry registry = Registry.of(node.vertx());
      Mailbox inbox = join(Mailboxes.of(node.vertx()).create());
      String me = PREFIX + node.name();
      join(registry.register(me, inbox.address()));
      print(out, "* " + node.name() + " joined the chat as " + me + "; type a line to send it, end input to leave");
      printIncoming(inbox, out);
      readAndSend(registry, me, node.name(), out);
      join(registry.unregister(me, inbox.address()));
      return 0;
    } finally {
      node.closeAndWait();
    }
  }

  /** Prints each message as it comes, on the mailbox's context, until the mailbox closes. */
  private static void printIncoming(Mailbox inbox, PrintWriter out) {
    inbox.receive().onSuccess(message -> {
      if (message instanceof ChatMessage chat) {
        print(out, chat.from() + ": " + chat.text());
      } else if (message instanceof MultipleClaim claim) {
        print(out, "* another chatter also claims " + claim.name() + ": " + claim.claimants());
      }
      printIncoming(inbox, out);
    });
  }

  private void readAndSend(Registry registry, String me, String from, PrintWriter out) throws IOException {
    var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.isBlank()) {
        continue;
      }
      List<String> others = join(registry.names()).stream()
          .filter(n -> n.startsWith(PREFIX) && !n.equals(me)).toList();
      if (others.isEmpty()) {
        print(out, "* nobody else is here");
        continue;
      }
      for (String other : others) {
        for (Address address : joinOrEmpty(registry.lookupAll(other))) {
          address.send(new ChatMessage(from, line));
        }
      }
    }
  }

  private static <T> T join(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | InterruptedException e) {
      throw new IllegalStateException("chat: " + (e instanceof ExecutionException ? e.getCause().getMessage() : e), e);
    }
  }

  /** A chatter that left between names() and lookupAll() is simply skipped. */
  private static List<Address> joinOrEmpty(Future<List<Address>> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | InterruptedException e) {
      return List.of();
    }
  }

  private static synchronized void print(PrintWriter out, String line) {
    out.println(line);
    out.flush();
  }
}
