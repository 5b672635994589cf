package dev.ferry.security;

import dev.ferry.peers.HostNames;
import dev.ferry.peers.Peer;
import dev.ferry.peers.Peers;
import dev.ferry.peers.PeersException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ferry certs}: the cluster CA and node certificates ({@link Certificates}), as reign_init
 * makes them. {@code init} makes a CA and one certificate per node, {@code add} one more node's
 * with an existing CA, {@code show} what a node will present and when it expires.
 *
 * <p>Exit codes: 0 success, 1 an error (one line on stderr), 2 a usage error. One instance per
 * invocation; not thread-safe (picocli fills its fields).
 */
@Command(
    name = "certs",
    mixinStandardHelpOptions = true,
    description = "Make and inspect the cluster CA and the nodes' certificates.",
    subcommands = {CertsCommand.Init.class, CertsCommand.Add.class, CertsCommand.Show.class})
public final class CertsCommand {
  private static final String DEFAULT_DAYS = "" + Certificates.DEFAULT_VALIDITY_DAYS;

  /** Options shared by the commands that issue certificates. */
  abstract static class Issuing implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--from-peers", paramLabel = "FILE",
        description = "peers.json: each node's ip_address, hostname and domain become names in its certificate")
    Path peersFile;

    @Option(names = "--days", paramLabel = "N", defaultValue = DEFAULT_DAYS,
        description = "how long the certificates are valid (default: ${DEFAULT-VALUE} days)")
    int days;

    @Option(names = "--force", description = "replace files that exist already")
    boolean force;

    @Override
    public final Integer call() {
      if (days < 1) {
        spec.commandLine().getErr().println("ferry certs: --days must be at least 1, got " + days);
        return 2;
      }
      try {
        List<Path> written = issue(Duration.ofDays(days));
        PrintWriter out = spec.commandLine().getOut();
        written.forEach(f -> out.println("wrote " + f));
        out.flush();
        return 0;
      } catch (CertsException e) {
        spec.commandLine().getErr().println("ferry certs: " + e.getMessage());
        return 1;
      }
    }

    abstract List<Path> issue(Duration validity);

    Optional<Peers> peers() {
      if (peersFile == null) {
        return Optional.empty();
      }
      try {
        return Optional.of(Peers.loadFrom(peersFile));
      } catch (PeersException e) {
        throw new CertsException(e.getMessage(), e);
      }
    }

    /** The identity of one node: from peers.json when given (it must be there), else on this machine. */
    static Certificates.NodeIdentity identity(String name, Optional<Peers> peers) {
      if (peers.isEmpty()) {
        return Certificates.NodeIdentity.local(name);
      }
      Peer peer = peers.get().get(name).orElseThrow(() -> new CertsException("no node named '" + name + "' in "
          + peers.get().source().map(Path::toString).orElse("peers.json") + " (known: "
          + String.join(", ", peers.get().names()) + ")"));
      return Certificates.NodeIdentity.of(peer, HostNames.machineHostname(System.getenv()));
    }
  }

  /** {@code certs init}: a new CA and a certificate per node. */
  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Make a cluster CA and a key and certificate for each node.")
  static final class Init extends Issuing {
    @Option(names = "--nodes", paramLabel = "NAME", split = ",",
        description = "the nodes, e.g. alpha,bravo,charlie (default with --from-peers: every node there)")
    List<String> nodes = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "where to write the PEM files")
    Path out;

    @Override
    List<Path> issue(Duration validity) {
      Optional<Peers> peers = peers();
      List<String> names = nodes.isEmpty() ? peers.map(Peers::names).orElse(List.of()) : nodes;
      return Certificates.init(out, names.stream().map(n -> identity(n, peers)).toList(), validity, force);
    }
  }

  /** {@code certs add}: one more node's certificate with the existing CA. */
  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Issue a key and certificate for one more node with the CA in --dir (needs ca.key).")
  static final class Add extends Issuing {
    @Parameters(paramLabel = "NAME", description = "the new node's name")
    String name;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".",
        description = "the directory of ca.crt and ca.key, where the files go (default: the current one)")
    Path dir;

    @Override
    List<Path> issue(Duration validity) {
      return Certificates.add(dir, identity(name, peers()), validity, force);
    }
  }

  /** {@code certs show}: what each certificate says, and whether the CA next to it signed it. */
  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Show what a node presents (CN, names, issuer) and when it expires.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME|FILE", arity = "0..*",
        description = "node names (NAME.crt in --dir) or certificate files (default: every .crt in --dir)")
    List<String> which = new ArrayList<>();

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".",
        description = "the directory of the certificates and ca.crt (default: the current one)")
    Path dir;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try {
        List<Path> files = files();
        Path ca = dir.resolve(Certificates.CA_CERT);
        Optional<Path> caFile = Files.exists(ca) ? Optional.of(ca) : Optional.empty();
        Instant now = Instant.now();
        for (Path file : files) {
          Certificates.describe(file, caFile.filter(c -> !c.equals(file)), now).forEach(out::println);
        }
        out.flush();
        return 0;
      } catch (CertsException e) {
        spec.commandLine().getErr().println("ferry certs: " + e.getMessage());
        return 1;
      }
    }

    private List<Path> files() {
      if (!which.isEmpty()) {
        return which.stream().map(w -> w.endsWith(".crt") || w.contains("/") ? Path.of(w) : dir.resolve(w + ".crt"))
            .toList();
      }
      try (Stream<Path> entries = Files.list(dir)) {
        List<Path> files = entries.filter(p -> p.getFileName().toString().endsWith(".crt")).sorted().toList();
        if (files.isEmpty()) {
          throw new CertsException(dir + ": no certificates (.crt) here; make them with 'ferry certs init'");
        }
        return files;
      } catch (IOException e) {
        throw new CertsException(dir + ": cannot list the directory: " + e.getMessage(), e);
      }
    }
  }
}
