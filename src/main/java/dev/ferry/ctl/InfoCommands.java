package dev.ferry.ctl;

import dev.ferry.peers.PeerId;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ctl id}, {@code ctl peers ls|rm}, {@code ctl version} and {@code ctl commands}: the node,
 * the cluster's members, and ctl itself.
 */
final class InfoCommands {
  private InfoCommands() {}

  @Command(name = "id", mixinStandardHelpOptions = true,
      description = "Retrieve peer information: the contacted node's ID, addresses and IPFS daemon (GET /id).")
  static final class Id extends ShowAction {
    Id() {
      super("/id", Formats::id);
    }
  }

  @Command(name = "peers", mixinStandardHelpOptions = true, description = "List and manage IPFS Cluster peers.",
      subcommands = {Peers.Ls.class, Peers.Rm.class})
  static final class Peers {
    @Command(name = "ls", mixinStandardHelpOptions = true,
        description = "List the nodes participating in the cluster: each one's ID information (GET /peers).")
    static final class Ls extends CtlAction {
      @Override
      void run(Api api, Output out) throws CtlException {
        api.stream("GET", "/peers", null, peer -> out.print(peer, Formats::id));
      }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true,
        description = "Remove a peer from the cluster (DELETE /peers/{peer ID}).")
    static final class Rm extends CtlAction {
      @Parameters(paramLabel = "<peer ID>", description = "the libp2p peer ID of the node to remove")
      String peer;

      @Override
      void run(Api api, Output out) throws CtlException {
        try {
          PeerId.parse(peer);
        } catch (IllegalArgumentException e) {
          throw new CtlException("parsing peer ID", e.getMessage());
        }
        api.call("DELETE", "/peers/" + peer);
      }
    }
  }

  @Command(name = "version", mixinStandardHelpOptions = true,
      description = "Retrieve the cluster's version, to check that it matches ctl's (GET /version).")
  static final class Version extends ShowAction {
    Version() {
      super("/version", Formats::version);
    }
  }

  @Command(name = "commands", hidden = true, mixinStandardHelpOptions = true, description = "List all commands.")
  static final class Commands implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      CommandLine ctl = spec.commandLine().getParent();
      walk(ctl, ctl.getCommandSpec().qualifiedName());
      spec.commandLine().getOut().flush();
    }

    /** Every command under {@code at}, depth first in their declared order, as ipfs-cluster-ctl lists them. */
    private void walk(CommandLine at, String prefix) {
      for (CommandLine sub : at.getSubcommands().values().stream().distinct().toList()) {
        String name = prefix + " " + sub.getCommandName();
        spec.commandLine().getOut().println(name);
        walk(sub, name);
      }
    }
  }
}
