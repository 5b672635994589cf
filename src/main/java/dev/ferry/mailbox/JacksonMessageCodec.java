package dev.ferry.mailbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default {@link MessageCodec}: {@code JsonObject}, {@code JsonArray} and {@code String} as
 * themselves, any other record or POJO through Jackson with its class name as the type, so the
 * receiver gets the same Java type back without registering it. A type the receiver does not
 * have arrives as a {@code JsonObject} (or array, or scalar) rather than being lost.
 *
 * <p>Thread-safe.
 */
public final class JacksonMessageCodec implements MessageCodec {
  static final String JSON_OBJECT = "json";
  static final String JSON_ARRAY = "json-array";
  static final String TEXT = "text";

  private final ObjectMapper mapper = new ObjectMapper()
      .enable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .findAndRegisterModules();
  private final Map<String, Class<?>> types = new ConcurrentHashMap<>();
  /**
   * Readers and writers know their type's (de)serializer, found once rather than per message; a
   * reader also carries the receiver that addresses inside are bound to.
   */
  private final Map<ReaderKey, ObjectReader> readers = new ConcurrentHashMap<>();
  private final Map<Class<?>, ObjectWriter> writers = new ConcurrentHashMap<>();

  @Override
  public Encoded encode(Object message) {
    if (message instanceof JsonObject json) {
      return new Encoded(JSON_OBJECT, json.toBuffer().getBytes());
    }
    if (message instanceof JsonArray json) {
      return new Encoded(JSON_ARRAY, json.toBuffer().getBytes());
    }
    if (message instanceof String text) {
      return new Encoded(TEXT, Json.encode(text).getBytes(StandardCharsets.UTF_8));
    }
    if (message == null) {
      throw new IllegalArgumentException("a message cannot be null");
    }
    try {
      Class<?> type = message.getClass();
      return new Encoded(type.getName(), writers.computeIfAbsent(type, mapper::writerFor).writeValueAsBytes(message));
    } catch (JsonProcessingException | RuntimeException e) {
      throw new IllegalArgumentException("cannot serialize " + message.getClass().getName() + " to JSON: "
          + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
    }
  }

  @Override
  public Object decode(Encoded encoded, Mailboxes receiver) {
    try {
      return switch (encoded.type()) {
        case JSON_OBJECT -> new JsonObject(Buffer.buffer(encoded.json()));
        case JSON_ARRAY -> new JsonArray(Buffer.buffer(encoded.json()));
        case TEXT -> Json.decodeValue(Buffer.buffer(encoded.json()), String.class);
        default -> {
          Class<?> type = type(encoded.type());
          yield type == null
              ? Json.decodeValue(Buffer.buffer(encoded.json()))
              : readers.computeIfAbsent(new ReaderKey(type, receiver),
                  key -> mapper.readerFor(key.type()).withAttribute(AddressJson.MAILBOXES_ATTRIBUTE, key.receiver()))
                  .readValue(encoded.json());
        }
      };
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot decode a " + encoded.type() + " message: " + e.getMessage(), e);
    }
  }

  private record ReaderKey(Class<?> type, Mailboxes receiver) {}

  /** The class of a type tag, or null when this JVM does not have it. */
  private Class<?> type(String name) {
    Class<?> known = types.get(name);
    if (known != null) {
      return known;
    }
    try {
      Class<?> loaded = Class.forName(name, false, Thread.currentThread().getContextClassLoader() != null
          ? Thread.currentThread().getContextClassLoader() : JacksonMessageCodec.class.getClassLoader());
      types.put(name, loaded);
      return loaded;
    } catch (ClassNotFoundException e) {
      return null;
    }
  }
}
