package dev.ferry.ctl;

import picocli.CommandLine.Command;

/** {@code ctl id}, {@code ctl peers ls}, {@code ctl version}: the node and the cluster's members. */
final class InfoCommands {
  private InfoCommands() {}

  @Command(name = "id", mixinStandardHelpOptions = true, description = "Show the node's ID (GET /id).")
  static final class Id extends CtlAction {
    @Override
    void run(Api api, Output out) throws CtlException {
      out.object(api.get("/id"), Text::id);
    }
  }

  @Command(name = "peers", mixinStandardHelpOptions = true, description = "The cluster's members.",
      subcommands = Peers.Ls.class)
  static final class Peers {
    @Command(name = "ls", mixinStandardHelpOptions = true,
        description = "List every member's ID, one line each (GET /peers).")
    static final class Ls extends CtlAction {
      @Override
      void run(Api api, Output out) throws CtlException {
        out.lines(api.get("/peers"), Text::id);
      }
    }
  }

  @Command(name = "version", mixinStandardHelpOptions = true, description = "Show the node's version (GET /version).")
  static final class Version extends CtlAction {
    @Override
    void run(Api api, Output out) throws CtlException {
      out.object(api.get("/version"), Text::version);
    }
  }
}
