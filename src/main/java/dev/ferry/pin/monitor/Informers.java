package dev.ferry.pin.monitor;

import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.pin.monitor.Report.Sample;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's informers, as IPFS Cluster's: {@code freespace} (the IPFS repo's {@code StorageMax}
 * less its {@code RepoSize}, from the connector's {@code repo/stat?size-only=true}, which on Kubo
 * counts no blocks; embedded store or daemon alike;
 * weight the free bytes, so more free space ranks first), {@code numpin} (pins this node holds;
 * weight minus that count, so fewer ranks first), {@code pinqueue} (pins and unpins waiting in its
 * tracker; weight minus the length), one {@code tag:<key>} per {@code pin.tags} entry
 * (partitionable: nodes with the same value form a group), and {@code ping}. A metric that cannot
 * be measured (daemon down) is sent invalid: the monitor keeps the last valid one until it expires.
 *
 * <p>Runs on the monitor's context; the suppliers are read there.
 */
final class Informers {
  private static final Logger log = LoggerFactory.getLogger(Informers.class);

  private final MonitorConfig config;
  private final IpfsConnector ipfs;
  private final LongSupplier numpin;
  private final LongSupplier pinqueue;

  Informers(MonitorConfig config, IpfsConnector ipfs, LongSupplier numpin, LongSupplier pinqueue) {
    this.config = config;
    this.ipfs = ipfs;
    this.numpin = numpin;
    this.pinqueue = pinqueue;
  }

  /** The {@code ping}: valid as long as this node runs; its value says nothing. */
  Sample ping() {
    return new Sample(MetricStore.PING, "", 0, true, false, config.pingTtl());
  }

  /** Every metric but the {@code ping}, measured now. */
  Future<List<Sample>> measure() {
    List<Sample> samples = new ArrayList<>();
    long pins = numpin.getAsLong();
    long queued = pinqueue.getAsLong();
    samples.add(numeric("numpin", pins, -pins));
    samples.add(numeric("pinqueue", queued, -queued));
    config.tags().forEach((key, value) ->
        samples.add(new Sample("tag:" + key, value, 0, true, true, config.metricTtl())));
    return ipfs.repoSpace()
        .map(space -> {
          long free = Math.max(0, space.storageMax() - space.repoSize());
          return numeric("freespace", free, free);
        })
        .recover(e -> {
          log.debug("freespace not measured: {}", e.getMessage());
          return Future.succeededFuture(new Sample("freespace", "", 0, false, false, config.metricTtl()));
        })
        .map(freespace -> {
          samples.add(0, freespace);
          return samples;
        });
  }

  private Sample numeric(String name, long value, long weight) {
    return new Sample(name, Long.toString(value), weight, true, false, config.metricTtl());
  }
}
