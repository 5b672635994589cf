package dev.ferry.ipfs.exchange;

import dev.ferry.circuit.Fragment;
import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.Varint;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The block exchange's fragments (docs/CONTENT.md, "Block exchange"): the fetching end sends
 * want-lists, the serving end answers each wanted CID with its block or with don't-have. Stateless.
 */
final class Protocol {
  /** A want-list: the payload is CIDs in binary, each after its length as a varint. */
  static final int WANT = 1;
  /** (Part of) a block: subject its CID, part the offset of the payload in it, arg {@value #SIZE} its length. */
  static final int BLOCK = 2;
  /** The serving node does not hold the block whose CID is the subject. */
  static final int DONT_HAVE = 3;
  static final String SIZE = "size";

  private Protocol() {}

  static Fragment want(Collection<Cid> cids) {
    Buffer payload = Buffer.buffer();
    for (Cid cid : cids) {
      byte[] bytes = cid.toBytes();
      payload.appendBytes(Varint.encode(bytes.length)).appendBytes(bytes);
    }
    return Fragment.of(WANT, payload);
  }

  /** The CIDs of a want-list; {@code bad-request} when it is malformed. */
  static List<Cid> wanted(Buffer payload) {
    List<Cid> cids = new ArrayList<>();
    int at = 0;
    while (at < payload.length()) {
      long length = 0;
      int shift = 0;
      byte b;
      do {
        if (at >= payload.length() || shift > 28) {
          throw FerryException.badRequest("want-list: a CID's length is cut short or too long at byte " + at);
        }
        b = payload.getByte(at++);
        length |= (long) (b & 0x7f) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      if (length > payload.length() - at) {
        throw FerryException.badRequest("want-list: a CID of " + length + " bytes runs past the end at byte " + at);
      }
      cids.add(Cid.fromBytes(payload.getBytes(at, at + (int) length)));
      at += (int) length;
    }
    return cids;
  }

  /** The fragments that carry {@code block}, each at most {@code fragmentBytes} of it (one for an empty block). */
  static List<Fragment> block(Cid cid, Buffer block, int fragmentBytes) {
    List<Fragment> fragments = new ArrayList<>();
    String subject = cid.toString();
    String size = Integer.toString(block.length());
    int offset = 0;
    do {
      int end = Math.min(block.length(), offset + fragmentBytes);
      fragments.add(Fragment.of(BLOCK, block.slice(offset, end)).withSubject(subject).withPart(offset)
          .withArg(SIZE, size));
      offset = end;
    } while (offset < block.length());
    return fragments;
  }

  static Fragment dontHave(Cid cid) {
    return Fragment.of(DONT_HAVE).withSubject(cid.toString());
  }
}
