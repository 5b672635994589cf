package dev.ferry.circuit.impl;

import static dev.ferry.circuit.CircuitTesting.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.circuit.Fragment;
import dev.ferry.core.FerryException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The circuit link's frames: every kind both ways, and cutting them out of a byte stream however it is chunked. */
class LinkFrameTest {
  private static final int MAX = LinkFrame.FIELDS_MAX + 1024 * 1024;

  private static final Fragment FULL = Fragment.of(7).withSubject("größe").withPart(-3).withArg("k", "v")
      .withArg("ключ", "значение").withErr("").withPayload(bytes(3000, 5));

  /** A stream of one frame of each kind, and what decoding it must give. */
  private static List<Buffer> sampleFrames() {
    return List.of(
        LinkFrame.hello("node1", "inc1", "inc2"),
        LinkFrame.fragment("peerB", "c1", FULL, 42),
        LinkFrame.fragment("peerB", "c1", Fragment.error("it broke"), 43),
        LinkFrame.fragment("peerB", "c1", Fragment.of(0), 44),
        LinkFrame.credit("peerB", "c1", 1L << 40),
        LinkFrame.close("peerB", "c1", "done: über"),
        LinkFrame.closed("peerA", "c1"));
  }

  private static void assertSamples(List<LinkFrame> got) {
    assertThat(got).hasSize(7);
    assertThat(got.get(0)).isEqualTo(new LinkFrame.Hello("node1", "inc1", "inc2"));
    LinkFrame.Data data = (LinkFrame.Data) got.get(1);
    assertThat(data.peer()).isEqualTo("peerB");
    assertThat(data.circuit()).isEqualTo("c1");
    Fragment f = data.fragment();
    assertThat(f.serial()).isEqualTo(42);
    assertThat(f.op()).isEqualTo(7);
    assertThat(f.subject()).isEqualTo("größe");
    assertThat(f.part()).isEqualTo(-3);
    assertThat(f.args()).containsEntry("k", "v").containsEntry("ключ", "значение").hasSize(2);
    assertThat(f.err()).isEmpty();
    assertThat(f.payload()).isEqualTo(bytes(3000, 5));
    assertThat(f.toPeerId()).isEqualTo("peerB");
    assertThat(f.circuitId()).isEqualTo("c1");
    Fragment error = ((LinkFrame.Data) got.get(2)).fragment();
    assertThat(error.err()).isEqualTo("it broke");
    assertThat(error.isError()).isTrue();
    assertThat(error.serial()).isEqualTo(43);
    Fragment empty = ((LinkFrame.Data) got.get(3)).fragment();
    assertThat(empty.payload().length()).isZero();
    assertThat(empty.args()).isEmpty();
    assertThat(got.get(4)).isEqualTo(new LinkFrame.Credit("peerB", "c1", 1L << 40));
    assertThat(got.get(5)).isEqualTo(new LinkFrame.Close("peerB", "c1", "done: über"));
    assertThat(got.get(6)).isEqualTo(new LinkFrame.Closed("peerA", "c1"));
  }

  private static Buffer concat(List<Buffer> frames) {
    Buffer all = Buffer.buffer();
    frames.forEach(all::appendBuffer);
    return all;
  }

  @Test
  void everyKindDecodesToWhatWasEncoded() {
    for (Buffer frame : sampleFrames()) {
      assertThat(frame.getInt(0)).isEqualTo(frame.length() - Integer.BYTES);
    }
    List<LinkFrame> got = new ArrayList<>();
    for (Buffer frame : sampleFrames()) {
      got.add(LinkFrame.decode(frame.slice(Integer.BYTES, frame.length())));
    }
    assertSamples(got);
  }

  @Test
  void aFragmentFrameIsOneBufferThatSharesThePayloadInsteadOfCopyingIt() {
    Buffer payload = bytes(256 * 1024, 1);
    Buffer frame = LinkFrame.fragment("peerB", "c1", Fragment.of(1, payload), 1);
    ByteBuf buf = ((BufferImpl) frame).byteBuf();
    assertThat(buf).isInstanceOf(CompositeByteBuf.class);
    CompositeByteBuf composite = (CompositeByteBuf) buf;
    assertThat(composite.numComponents()).isEqualTo(2);
    assertThat(composite.component(1).array()).isSameAs(((BufferImpl) payload).byteBuf().array());
    assertThat(frame.length()).isEqualTo(composite.component(0).readableBytes() + payload.length());
  }

  @Test
  void manyFramesInOneChunkAreAllDecoded() {
    List<LinkFrame> got = new ArrayList<>();
    LinkFrame.Reader reader = new LinkFrame.Reader(MAX, got::add);
    List<Buffer> frames = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      frames.addAll(sampleFrames());
    }
    reader.feed(concat(frames));
    assertThat(got).hasSize(140);
    for (int i = 0; i < 20; i++) {
      assertSamples(got.subList(i * 7, i * 7 + 7));
    }
  }

  @Test
  void framesSplitAcrossChunksAtEveryByteAreDecoded() {
    Buffer stream = concat(sampleFrames());
    // one byte at a time: every length prefix and every field straddles chunks
    List<LinkFrame> got = new ArrayList<>();
    LinkFrame.Reader bytewise = new LinkFrame.Reader(MAX, got::add);
    for (int i = 0; i < stream.length(); i++) {
      bytewise.feed(stream.slice(i, i + 1));
    }
    assertSamples(got);
    // every split point into two chunks, and random chunkings
    for (int cut = 0; cut <= stream.length(); cut += 97) {
      List<LinkFrame> two = new ArrayList<>();
      LinkFrame.Reader reader = new LinkFrame.Reader(MAX, two::add);
      reader.feed(stream.slice(0, cut));
      reader.feed(stream.slice(cut, stream.length()));
      assertSamples(two);
    }
    Random random = new Random(7);
    for (int round = 0; round < 50; round++) {
      List<LinkFrame> chunked = new ArrayList<>();
      LinkFrame.Reader reader = new LinkFrame.Reader(MAX, chunked::add);
      int pos = 0;
      while (pos < stream.length()) {
        int next = Math.min(stream.length(), pos + 1 + random.nextInt(700));
        reader.feed(stream.slice(pos, next));
        pos = next;
      }
      assertSamples(chunked);
    }
  }

  @Test
  void aFrameIsAViewOfTheChunksItArrivedInUnlessItTrickledIn() {
    Buffer chunk = LinkFrame.fragment("p", "c", Fragment.of(0, Buffer.buffer("abc")), 1).copy();
    List<LinkFrame> got = new ArrayList<>();
    new LinkFrame.Reader(MAX, got::add).feed(chunk);
    Buffer payload = ((LinkFrame.Data) got.get(0)).fragment().payload();
    assertThat(payload.toString()).isEqualTo("abc");
    chunk.setByte(chunk.length() - 3, (byte) 'X');
    assertThat(payload.toString()).as("a view of the received chunk").isEqualTo("Xbc");

    // across three chunks: a composite of views of each
    Buffer stream = LinkFrame.fragment("p", "c", Fragment.of(0, bytes(10_000, 3)), 1).copy();
    int end = stream.length();
    List<Buffer> chunks = List.of(stream.slice(0, 2).copy(), stream.slice(2, 5000).copy(), stream.slice(5000, end).copy());
    List<LinkFrame> split = new ArrayList<>();
    LinkFrame.Reader reader = new LinkFrame.Reader(MAX, split::add);
    chunks.forEach(reader::feed);
    Buffer spanning = ((LinkFrame.Data) split.get(0)).fragment().payload();
    assertThat(spanning).isEqualTo(bytes(10_000, 3));
    chunks.get(2).setByte(chunks.get(2).length() - 1, (byte) 0x55);
    assertThat(spanning.getByte(9_999)).as("a view of the last chunk").isEqualTo((byte) 0x55);

    // trickling in as more pieces than a composite should hold: copied once instead
    List<LinkFrame> trickled = new ArrayList<>();
    LinkFrame.Reader slow = new LinkFrame.Reader(MAX, trickled::add);
    Buffer first = stream.slice(0, 100).copy();
    slow.feed(first);
    for (int pos = 100; pos < end; pos += 10) {
      slow.feed(stream.slice(pos, Math.min(end, pos + 10)).copy());
    }
    assertThat(((LinkFrame.Data) trickled.get(0)).fragment().payload()).isEqualTo(bytes(10_000, 3));
    first.setByte(99, (byte) 0);
    assertThat(((LinkFrame.Data) trickled.get(0)).fragment().payload()).as("a copy").isEqualTo(bytes(10_000, 3));
  }

  @Test
  void malformedFramesAreRefused() {
    assertMalformed(Buffer.buffer().appendInt(0), "frame length of 0");
    assertMalformed(Buffer.buffer().appendInt(MAX + 1), "frame length of " + (MAX + 1));
    assertMalformed(Buffer.buffer().appendInt(-5), "frame length of -5");
    assertMalformed(Buffer.buffer().appendInt(1).appendByte((byte) 99), "unknown frame kind 99");
    assertMalformed(Buffer.buffer().appendInt(3).appendByte(LinkFrame.HELLO).appendByte((byte) 9).appendByte((byte) 0),
        "link version 9");
    // a credit frame that ends inside its number
    assertMalformed(Buffer.buffer().appendInt(6).appendByte(LinkFrame.CREDIT).appendByte((byte) 1).appendString("p")
        .appendByte((byte) 1).appendString("c").appendByte((byte) 0), "ends inside a field");
    // a closed frame with bytes after its fields
    assertMalformed(Buffer.buffer().appendInt(6).appendByte(LinkFrame.CLOSED).appendByte((byte) 1).appendString("p")
        .appendByte((byte) 1).appendString("c").appendByte((byte) 0), "too many");
    // a close whose reason claims more bytes than the frame has
    assertMalformed(Buffer.buffer().appendInt(9).appendByte(LinkFrame.CLOSE).appendByte((byte) 1).appendString("p")
        .appendByte((byte) 1).appendString("c").appendInt(1000), "ends inside a field");
    assertMalformed(Buffer.buffer().appendInt(2).appendByte(LinkFrame.CLOSED).appendByte((byte) 0), "empty id");
  }

  @Test
  void fieldsOverTheLimitAreRefusedWhenSending() {
    Fragment huge = Fragment.of(0).withSubject("x".repeat(LinkFrame.FIELDS_MAX));
    assertThatThrownBy(() -> LinkFrame.fragment("p", "c", huge, 1)).isInstanceOf(FerryException.class)
        .hasMessageContaining("at most " + LinkFrame.FIELDS_MAX);
  }

  private static void assertMalformed(Buffer stream, String message) {
    LinkFrame.Reader reader = new LinkFrame.Reader(MAX, frame -> { });
    assertThatThrownBy(() -> reader.feed(stream)).isInstanceOf(LinkFrame.Malformed.class).hasMessageContaining(message);
  }
}
