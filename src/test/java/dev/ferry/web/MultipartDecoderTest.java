package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.FerryException;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streaming multipart decoder on bodies cut into chunks at every place, in-JVM. */
class MultipartDecoderTest {
  private static final String BOUNDARY = "xYz-123";
  private static final String TYPE = "multipart/form-data; boundary=" + BOUNDARY;

  /** What the decoder told its listener, as text: a part's headers, its bytes, its end. */
  private static final class Recorder implements MultipartDecoder.Listener {
    final List<String> events = new ArrayList<>();
    Buffer data;

    @Override
    public void part(MultipartDecoder.Part part) {
      events.add("part " + part.index() + " name=" + part.name() + " file=" + part.fileName() + " type="
          + part.contentType() + " abspath=" + part.absPath());
      data = Buffer.buffer();
    }

    @Override
    public void data(Buffer bytes) {
      assertThat(bytes.length()).as("no empty data").isPositive();
      data.appendBuffer(bytes);
    }

    @Override
    public void partEnd() {
      events.add("data " + data.toString(StandardCharsets.ISO_8859_1));
      events.add("end");
      data = null;
    }
  }

  private static List<String> decode(String type, byte[] body, int... cuts) {
    return decode(type, body, (from, length) -> Buffer.buffer().appendBytes(body, from, length), cuts);
  }

  /** Feeds {@code body} in chunks cut at {@code cuts}, each made by {@code chunk} from where it starts and its length. */
  private static List<String> decode(String type, byte[] body, java.util.function.BiFunction<Integer, Integer, Buffer> chunk,
      int... cuts) {
    Recorder recorder = new Recorder();
    MultipartDecoder decoder = MultipartDecoder.of(type, recorder);
    int at = 0;
    for (int cut : cuts) {
      decoder.feed(chunk.apply(at, cut - at));
      at = cut;
    }
    decoder.feed(chunk.apply(at, body.length - at));
    decoder.end();
    return recorder.events;
  }

  private static List<String> decodeInBytes(String type, byte[] body) {
    Recorder recorder = new Recorder();
    MultipartDecoder decoder = MultipartDecoder.of(type, recorder);
    for (byte b : body) {
      decoder.feed(Buffer.buffer(new byte[] {b}));
    }
    decoder.end();
    return recorder.events;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Two files, data that looks like the boundary, a CRLF at a part's end, and an empty part. */
  private static final String TRICKY = "preamble, ignored\r\n"
      + "--" + BOUNDARY + "\r\n"
      + "Content-Disposition: form-data; name=\"file\"; filename=\"dir%2Fa.txt\"\r\n"
      + "Content-Type: application/octet-stream\r\n"
      + "Abspath: /home/u/dir/a.txt\r\n"
      + "\r\n"
      + "line one\r\n--" + BOUNDARY + "X not a boundary\r\n\r--" + BOUNDARY + " \r\n-" + BOUNDARY + "\r\n\r\n"
      + "\r\n--" + BOUNDARY + "  \t\r\n"
      + "content-disposition: form-data; name=\"dir\"; filename=\"dir\"\r\n"
      + "CONTENT-TYPE: application/x-directory\r\n"
      + "\r\n"
      + "\r\n--" + BOUNDARY + "\r\n"
      + "Content-Disposition: form-data; name=\"note\"\r\n"
      + "\r\n"
      + "a field\r\n--" + BOUNDARY + "--\r\nepilogue, ignored\r\n--" + BOUNDARY + "\r\n";

  private static final List<String> TRICKY_EVENTS = List.of(
      "part 1 name=file file=dir%2Fa.txt type=application/octet-stream abspath=/home/u/dir/a.txt",
      "data line one\r\n--" + BOUNDARY + "X not a boundary\r\n\r--" + BOUNDARY + " \r\n-" + BOUNDARY + "\r\n\r\n",
      "end",
      "part 2 name=dir file=dir type=application/x-directory abspath=null",
      "data ",
      "end",
      "part 3 name=note file=null type=null abspath=null",
      "data a field",
      "end");

  @Test
  void decodesPartsWhateverTheCutBetweenTwoChunks() {
    byte[] body = bytes(TRICKY);
    for (int cut = 0; cut <= body.length; cut++) {
      assertThat(decode(TYPE, body, cut)).as("cut at %d", cut).isEqualTo(TRICKY_EVENTS);
    }
  }

  @Test
  void decodesChunksHeldOffTheHeapOrInsideALargerArray() {
    byte[] body = bytes(TRICKY);
    for (int cut = 0; cut <= body.length; cut++) {
      assertThat(decode(TYPE, body, (from, length) -> io.vertx.core.internal.buffer.BufferInternal.buffer(
          io.netty.buffer.Unpooled.wrappedBuffer(java.nio.ByteBuffer.allocateDirect(length).put(body, from, length).flip())),
          cut))
          .as("direct chunks cut at %d", cut).isEqualTo(TRICKY_EVENTS);
      assertThat(decode(TYPE, body, (from, length) -> Buffer.buffer().appendString("ahead").appendBytes(body, from, length)
          .appendString("behind").slice(5, 5 + length), cut))
          .as("slices of larger chunks cut at %d", cut).isEqualTo(TRICKY_EVENTS);
    }
  }

  @Test
  void decodesABodyFedOneByteAtATime() {
    assertThat(decodeInBytes(TYPE, bytes(TRICKY))).isEqualTo(TRICKY_EVENTS);
  }

  @Test
  void decodesWhateverTheCutsBetweenThreeChunks() {
    byte[] body = bytes(TRICKY);
    for (int first = 0; first <= body.length; first += 3) {
      for (int second = first; second <= body.length; second += 5) {
        assertThat(decode(TYPE, body, first, second)).as("cuts at %d, %d", first, second).isEqualTo(TRICKY_EVENTS);
      }
    }
  }

  @Test
  void handsOnLargeRandomDataAsSlicesAndWhole() {
    byte[] content = new byte[300_000];
    new Random(7).nextBytes(content);
    for (int i = 1000; i < content.length; i += 997) {   // CRs and near-boundaries in the data
      content[i] = '\r';
      content[i + 1] = '\n';
      content[i + 2] = '-';
      content[i + 3] = '-';
    }
    Buffer body = Buffer.buffer("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big\"\r\n\r\n")
        .appendBytes(content).appendString("\r\n--" + BOUNDARY + "--");
    for (int chunk : new int[] {1, 7, 73, 8192, 65536}) {
      Buffer received = Buffer.buffer();
      boolean[] ended = new boolean[1];
      MultipartDecoder decoder = MultipartDecoder.of(TYPE, new MultipartDecoder.Listener() {
        @Override
        public void part(MultipartDecoder.Part part) {}

        @Override
        public void data(Buffer bytes) {
          received.appendBuffer(bytes);
        }

        @Override
        public void partEnd() {
          ended[0] = true;
        }
      });
      for (int at = 0; at < body.length(); at += chunk) {
        decoder.feed(body.slice(at, Math.min(body.length(), at + chunk)));
      }
      decoder.end();
      assertThat(ended[0]).isTrue();
      assertThat(received.getBytes()).as("chunks of %d", chunk).isEqualTo(content);
    }
  }

  @Test
  void findsTheBoundaryInDataMadeOfItsOwnBytesCutAnywhere() {
    Random random = new Random(11);
    String alphabet = "\r\n-xYz123 ";
    for (int body = 0; body < 300; body++) {
      List<String> contents = new ArrayList<>();
      StringBuilder text = new StringBuilder();
      for (int part = 0; part < 1 + random.nextInt(3); part++) {
        String content;
        do {
          StringBuilder data = new StringBuilder();
          for (int i = random.nextInt(200); i > 0; i--) {
            data.append(random.nextInt(4) == 0 ? "\r\n--xYz-12" : String.valueOf(alphabet.charAt(random.nextInt(alphabet.length()))));
          }
          content = data.toString();
        } while (content.contains("\r\n--" + BOUNDARY) || content.endsWith("\r") || content.endsWith("\r\n-")
            || content.endsWith("\r\n--xYz-12") || (content + "\r\n--" + BOUNDARY).indexOf("\r\n--" + BOUNDARY)
            < content.length());
        contents.add(content);
        text.append("\r\n--").append(BOUNDARY).append("\r\nContent-Disposition: form-data; filename=\"f\"\r\n\r\n")
            .append(content);
      }
      text.append("\r\n--").append(BOUNDARY).append("--");
      byte[] bytes = bytes(text.toString());
      int[] cuts = random.ints(random.nextInt(6), 0, bytes.length + 1).sorted().toArray();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < contents.size(); i++) {
        expected.addAll(List.of("part " + (i + 1) + " name=null file=f type=null abspath=null", "data " + contents.get(i),
            "end"));
      }
      assertThat(decode(TYPE, bytes, cuts)).as("body %d cut at %s", body, java.util.Arrays.toString(cuts))
          .isEqualTo(expected);
    }
  }

  @Test
  void readsAQuotedBoundaryAndOneAtTheBodysStart() {
    String boundary = "a b:c=d";
    String body = "--" + boundary + "\r\nContent-Disposition: attachment; filename=\"x\"\r\n\r\nhi\r\n--" + boundary + "--";
    assertThat(decode("Multipart/Form-Data; charset=utf-8; boundary=\"" + boundary + "\"", bytes(body)))
        .containsExactly("part 1 name=null file=x type=null abspath=null", "data hi", "end");
  }

  @Test
  void readsFileNamesAsGoDoes() {
    assertThat(PartHeaders.parameters("form-data; name=\"file\"; filename=\"C:\\dir\\a \\\"b\\\".txt\""))
        .containsEntry("name", "file").containsEntry("filename", "C:\\dir\\a \"b\".txt");
    assertThat(PartHeaders.parameters("form-data;name=file;FILENAME=a;filename=b"))
        .containsEntry("name", "file").containsEntry("filename", "a");
  }

  @Test
  void readsLineFeedsWithoutCarriageReturnsInHeaders() {
    String body = "--" + BOUNDARY + "\nContent-Disposition: form-data; filename=\"a\"\n\nx\r\n--" + BOUNDARY + "--\n";
    assertThat(decode(TYPE, bytes(body))).containsExactly("part 1 name=null file=a type=null abspath=null", "data x",
        "end");
  }

  @Test
  void refusesEveryTruncationOfABody() {
    byte[] body = bytes(TRICKY);
    int close = TRICKY.indexOf("--" + BOUNDARY + "--") + BOUNDARY.length() + 4;
    for (int length = 0; length < close; length++) {
      int cut = length;
      assertThatThrownBy(() -> {
        Recorder recorder = new Recorder();
        MultipartDecoder decoder = MultipartDecoder.of(TYPE, recorder);
        decoder.feed(Buffer.buffer().appendBytes(body, 0, cut));
        decoder.end();
      }).as("cut after %d bytes", length).isInstanceOf(FerryException.class)
          .hasMessageContaining("the multipart body").hasMessageContaining("--" + BOUNDARY);
    }
  }

  @Test
  void namesWhereATruncatedBodyEnds() {
    String start = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n";
    assertThatThrownBy(() -> decode(TYPE, bytes(start + "\r\nsome bytes")))
        .hasMessage("the multipart body ends inside part 1 (file \"a.txt\") with no closing boundary: send the whole "
            + "body, ending with --" + BOUNDARY + "--");
    assertThatThrownBy(() -> decode(TYPE, bytes(start)))
        .hasMessageContaining("ends inside the headers of part 1");
    assertThatThrownBy(() -> decode(TYPE, bytes(start + "\r\nx\r\n--" + BOUNDARY + "\r\n")))
        .hasMessageContaining("ends inside the headers of part 2");
    assertThatThrownBy(() -> decode(TYPE, bytes("no boundary here")))
        .hasMessageContaining("holds no boundary line --" + BOUNDARY);
  }

  @Test
  void refusesMalformedBodies() {
    assertThatThrownBy(() -> decode(TYPE, bytes("--" + BOUNDARY + "\r\nContent-Type: text/plain\r\n\r\nx\r\n--"
        + BOUNDARY + "--"))).isInstanceOf(FerryException.class)
        .hasMessageContaining("part 1 of the multipart body has no Content-Disposition header");
    assertThatThrownBy(() -> decode(TYPE, bytes("--" + BOUNDARY + "\r\nno colon\r\n\r\n")))
        .hasMessageContaining("header line without a name and a colon: 'no colon'");
    assertThatThrownBy(() -> decode(TYPE, bytes("--" + BOUNDARY + " x\r\n")))
        .hasMessageContaining("followed by 'x'");
    assertThatThrownBy(() -> decode(TYPE, bytes("--" + BOUNDARY + "\rx")))
        .hasMessageContaining("ends in CR without LF");
    assertThatThrownBy(() -> decode(TYPE, bytes("--" + BOUNDARY + "\r\n" + "X-Long: " + "a".repeat(20_000))))
        .hasMessageContaining("headers of part 1 of the multipart body are longer than");
  }

  @Test
  void refusesContentTypesWithoutAUsableBoundary() {
    assertThatThrownBy(() -> MultipartDecoder.of("application/json", new Recorder()))
        .hasMessageContaining("expected a multipart/form-data body");
    assertThatThrownBy(() -> MultipartDecoder.of(null, new Recorder())).hasMessageContaining("no Content-Type");
    assertThatThrownBy(() -> MultipartDecoder.of("multipart/form-data", new Recorder()))
        .hasMessageContaining("has no boundary parameter");
    assertThatThrownBy(() -> MultipartDecoder.of("multipart/form-data; boundary=" + "b".repeat(71), new Recorder()))
        .hasMessageContaining("RFC 2046 allows at most 70");
  }

  @Test
  void aBodyWithOnlyTheClosingBoundaryHasNoParts() {
    assertThat(decode(TYPE, bytes("--" + BOUNDARY + "--\r\n"))).isEmpty();
  }
}
