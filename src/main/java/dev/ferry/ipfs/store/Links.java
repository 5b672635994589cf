package dev.ferry.ipfs.store;

import dev.ferry.ipfs.Cid;
import java.util.List;

/**
 * The one place that says which blocks a block links to, for every walk of a DAG (CAR export,
 * pins, garbage collection, refs, the block exchange): a dag-pb node's links in order, the CIDs
 * written in a dag-cbor block in order, none for raw blocks and other codecs. Stateless,
 * thread-safe.
 */
public final class Links {
  private Links() {}

  /**
   * The CIDs {@code block} (stored under {@code cid}) links to.
   *
   * @throws dev.ferry.core.FerryException {@code bad-request} when the block is malformed for its codec
   */
  public static List<Cid> of(Cid cid, byte[] block) {
    if (cid.codec() == Cid.DAG_PB) {
      return DagPb.decode(block).links().stream().map(DagPb.Link::hash).toList();
    }
    if (cid.codec() == DagCbor.CODEC) {
      return DagCbor.links(cid, block);
    }
    return List.of();
  }

  /** Whether blocks of {@code cid}'s codec can link to others (so a walk reads them). */
  public static boolean mayLink(Cid cid) {
    return cid.codec() == Cid.DAG_PB || cid.codec() == DagCbor.CODEC;
  }
}
