package dev.ferry.ipfs.store;

import dev.ferry.ipfs.Cid;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The dag-pb codec, written to the IPLD dag-pb specification. A node's bytes are its links, each a
 * {@code PBNode} field 2 in order, then its data as field 1: the canonical order, which is not
 * field-number order. A link's fields come in order Hash (1), Name (2), Tsize (3). Decoding is
 * strict: fields out of that order, repeated, unknown or of the wrong type are refused, so one node
 * has exactly one encoding. Stateless, thread-safe.
 */
public final class DagPb {
  private static final int NODE_DATA = 1;
  private static final int NODE_LINKS = 2;
  private static final int LINK_HASH = 1;
  private static final int LINK_NAME = 2;
  private static final int LINK_TSIZE = 3;

  private DagPb() {}

  /**
   * A link: the target's CID, an optional name (a directory entry's; files link with {@code ""})
   * and an optional cumulative size of the target's DAG in bytes.
   */
  public record Link(Cid hash, String name, Long tsize) {
    public Link {
      if (hash == null) {
        throw new IllegalArgumentException("a dag-pb link needs a Hash");
      }
    }
  }

  /** A node: links (in the order they are encoded) and optional data ({@code null}: absent). */
  public record Node(List<Link> links, byte[] data) {
    public Node {
      links = List.copyOf(links);
    }
  }

  /** The canonical bytes of {@code node}. */
  public static byte[] encode(Node node) {
    Protobuf.Writer out = new Protobuf.Writer();
    for (Link link : node.links()) {
      Protobuf.Writer pbLink = new Protobuf.Writer().bytes(LINK_HASH, link.hash().toBytes());
      if (link.name() != null) {
        pbLink.bytes(LINK_NAME, link.name().getBytes(StandardCharsets.UTF_8));
      }
      if (link.tsize() != null) {
        pbLink.varint(LINK_TSIZE, link.tsize());
      }
      out.bytes(NODE_LINKS, pbLink.toByteArray());
    }
    if (node.data() != null) {
      out.bytes(NODE_DATA, node.data());
    }
    return out.toByteArray();
  }

  /**
   * The canonical bytes of a node with no links holding {@code data} (a file's leaf): those of
   * {@code encode(new Node(List.of(), data.encode()))}, with the chunk in it copied once rather
   * than once into the UnixFS message and again into the node.
   */
  static byte[] encodeLeaf(UnixFs data) {
    return new Protobuf.Writer().message(NODE_DATA, data.writer()).toByteArray();
  }

  /**
   * A file's leaf holding {@code length} bytes as a UnixFS node of {@code type}, written around
   * those bytes instead of with a copy of them: a caller reads the bytes into an array of the
   * frame's {@link Protobuf.Writer#size() size} at its {@link Protobuf.Writer#holeAt() holeAt},
   * then {@link Protobuf.Writer#writeAround writeAround} makes the array the very bytes of
   * {@code encodeLeaf} of that node. One frame serves every leaf of that length and type.
   */
  static Protobuf.Writer leafFrame(UnixFs.Type type, int length) {
    return new Protobuf.Writer().message(NODE_DATA, UnixFs.leafWriter(type, length));
  }

  /**
   * Reads a dag-pb block.
   *
   * @throws dev.ferry.core.FerryException {@code bad-request} saying what in the block is not dag-pb
   */
  public static Node decode(byte[] block) {
    Protobuf.Reader in = new Protobuf.Reader("dag-pb block", block);
    List<Link> links = new ArrayList<>();
    byte[] data = null;
    while (in.next()) {
      if (in.field() == NODE_LINKS) {
        if (data != null) {
          throw in.malformed("a link follows the Data field (links come first)");
        }
        links.add(link(in.bytesValue()));
      } else if (in.field() == NODE_DATA) {
        if (data != null) {
          throw in.malformed("the Data field appears twice");
        }
        data = in.bytesValue();
      } else {
        throw in.malformed("unknown PBNode field " + in.field());
      }
    }
    return new Node(links, data);
  }

  private static Link link(byte[] bytes) {
    Protobuf.Reader in = new Protobuf.Reader("dag-pb link", bytes);
    Cid hash = null;
    String name = null;
    Long tsize = null;
    int last = 0;
    while (in.next()) {
      if (in.field() <= last) {
        throw in.malformed("PBLink field " + in.field() + " out of order or repeated (Hash, Name, Tsize)");
      }
      last = in.field();
      switch (in.field()) {
        case LINK_HASH -> hash = Cid.fromBytes(in.bytesValue());
        case LINK_NAME -> name = utf8(in, in.bytesValue());
        case LINK_TSIZE -> tsize = in.varintValue();
        default -> throw in.malformed("unknown PBLink field " + in.field());
      }
    }
    if (hash == null) {
      throw in.malformed("a link without a Hash");
    }
    return new Link(hash, name, tsize);
  }

  private static String utf8(Protobuf.Reader in, byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw in.malformed("a link Name that is not UTF-8");
    }
  }
}
