package dev.ferry.ctl;

import picocli.CommandLine.Option;

/**
 * Where pins go, as ipfs-cluster-ctl's flags name it: {@code --replication-min}/{@code --rmin},
 * {@code --replication-max}/{@code --rmax} and {@code --allocations}/{@code --allocs}; shared by
 * {@code pin add}, {@code add} ({@link CtlPinOptions}) and {@code state import}. Each is null when
 * not given. Filled by picocli as a mixin; one per command.
 */
final class PlacementOptions {
  @Option(names = {"--replication-min", "--rmin"}, paramLabel = "N",
      description = "Sets the minimum replication factor (0: the cluster's default; -1: everywhere)")
  Integer min;

  @Option(names = {"--replication-max", "--rmax"}, paramLabel = "N",
      description = "Sets the maximum replication factor (0: the cluster's default; -1: everywhere)")
  Integer max;

  @Option(names = {"--allocations", "--allocs"}, paramLabel = "PEERS",
      description = "Optional comma-separated list of peer IDs to allocate the pin to first")
  String allocations;
}
