package dev.ferry.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** peers.json texts shared by the tests. */
final class Fixtures {

  /** Two replicas with every field, plus unknown fields at the top level, in info and in a replica. */
  static final String TWO_PEERS = """
      {
        "info": {"num_replicas": 2, "updated": "2026-01-01T00:00:00Z", "owner": {"team": "ops"}},
        "replicas": [
          {"pid": 1, "name": "alpha", "description": "first", "hostname": "apollo",
           "ip_address": "10.0.0.1", "domain": "example.com", "port": 9096,
           "api_port": 9094, "proxy_port": 9095, "membership_port": 5701,
           "voter": false, "tags": ["a", "b"]},
          {"pid": 2, "name": "bravo", "hostname": "artemis.example.com",
           "ip_address": "10.0.0.2", "port": 9196}
        ],
        "generated_by": "hand",
        "schema": {"version": 2}
      }
      """;

  private Fixtures() {}

  /**
   * Two valid replicas, the second (replicas[1], "bravo") with {@code field} set to the raw JSON
   * {@code value}, or removed when {@code value} is null.
   */
  static String withBravo(String field, String value) {
    Map<String, String> bravo = new LinkedHashMap<>();
    bravo.put("pid", "2");
    bravo.put("name", "\"bravo\"");
    bravo.put("hostname", "\"artemis\"");
    bravo.put("port", "9196");
    if (value == null) {
      bravo.remove(field);
    } else {
      bravo.put(field, value);
    }
    StringJoiner fields = new StringJoiner(", ", "{", "}");
    bravo.forEach((k, v) -> fields.add("\"" + k + "\": " + v));
    return """
        {"replicas": [
          {"pid": 1, "name": "alpha", "hostname": "apollo", "port": 9096},
          %s
        ]}
        """.formatted(fields);
  }

  static Path write(Path file, String text) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      return Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
