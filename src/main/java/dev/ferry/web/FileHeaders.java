package dev.ferry.web;

import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What the gateway says of a file it serves: its type when its name has no known extension, from
 * its first bytes (as the path gateway specification suggests: a few well-known signatures, then
 * text or not), and the {@code filename} of its {@code Content-Disposition} in both the ASCII and
 * the UTF-8 form the specification asks for. Stateless.
 */
final class FileHeaders {
  private static final String OCTETS = "application/octet-stream";
  private static final String TEXT = "text/plain; charset=utf-8";
  /** Leading bytes and the type they mark. */
  private static final Object[][] SIGNATURES = {
      {new byte[] {(byte) 0x89, 'P', 'N', 'G'}, "image/png"},
      {new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}, "image/jpeg"},
      {"GIF8".getBytes(StandardCharsets.US_ASCII), "image/gif"},
      {"%PDF-".getBytes(StandardCharsets.US_ASCII), "application/pdf"},
      {new byte[] {'P', 'K', 3, 4}, "application/zip"},
      {new byte[] {0x1F, (byte) 0x8B}, "application/gzip"},
  };
  /** Control characters that text does not contain (all below space but tab, LF, FF, CR and ESC). */
  private static final String TEXT_CONTROLS = "\t\n\f\r\u001b";

  private FileHeaders() {}

  /** The type of a file that begins with {@code head}. */
  static String sniff(byte[] head) {
    for (Object[] signature : SIGNATURES) {
      byte[] magic = (byte[]) signature[0];
      if (startsWith(head, magic)) {
        return (String) signature[1];
      }
    }
    String text = utf8(head);
    if (text == null) {
      return OCTETS;
    }
    for (char c : text.toCharArray()) {
      if (c < ' ' && TEXT_CONTROLS.indexOf(c) < 0) {
        return OCTETS;
      }
    }
    String start = text.stripLeading().toLowerCase(Locale.ROOT);
    return start.startsWith("<!doctype html") || start.startsWith("<html") ? "text/html; charset=utf-8" : TEXT;
  }

  /** {@code filename="ascii"; filename*=UTF-8''percent-encoded}: non-ASCII as '_' in the first form. */
  static String filename(String name) {
    StringBuilder ascii = new StringBuilder();
    for (char c : name.toCharArray()) {
      ascii.append(c >= ' ' && c < 0x7f && c != '"' && c != '\\' ? c : '_');
    }
    return "filename=\"" + ascii + "\"; filename*=UTF-8''"
        + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** {@code bytes} as UTF-8, a character cut at the end allowed; null when they are not UTF-8. */
  private static String utf8(byte[] bytes) {
    for (int cut = 0; cut < 4 && cut <= bytes.length; cut++) {
      try {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes, 0, bytes.length - cut)).toString();
      } catch (CharacterCodingException e) {
        // try without the last bytes: the head may end inside a character
      }
    }
    return null;
  }
}
