package dev.ferry.mailbox;

import java.lang.annotation.Annotation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Which messages a mailbox on the sender's own node may receive as the very object sent, instead
 * of a JSON copy: records whose components are, all the way down, strings, numbers, booleans,
 * enums, UUIDs, {@code java.time} values, {@link Address}es bound to this node, or such records.
 * Nobody can change such a value, so sharing it is indistinguishable from copying it (as Erlang
 * shares binaries), and the sender saves the encoding and the receiver the decoding.
 *
 * <p>A record with Jackson annotations is never shared, since its JSON form may differ from its
 * components, and neither is a record without components (it does not serialize). To give a shared
 * message the same size limit as a copied one, {@link #sizeBound} bounds its JSON size from above
 * without encoding it.
 *
 * <p>Thread-safe.
 */
final class SharedValues {
  /** The answer of {@link #sizeBound} for a value that must be copied. */
  static final long COPY = -1;
  /** Deeper nesting is copied (and Jackson's own nesting limit applies). */
  private static final int MAX_DEPTH = 32;
  /** The JSON of {@code null}. */
  private static final int NULL_BYTES = 4;
  /** The JSON text of a UTF-16 char is at most 6 bytes ({@code \}{@code u0001}). */
  private static final int MAX_BYTES_PER_CHAR = 6;

  /**
   * The largest JSON text of each scalar type: numbers in full, ISO-8601 times with the largest
   * year, a UUID in quotes. Only types that read back equal from JSON (an OffsetDateTime comes
   * back in UTC, so it is copied).
   */
  private static final Map<Class<?>, Integer> SCALARS = Map.ofEntries(
      Map.entry(Boolean.class, 5), Map.entry(boolean.class, 5),
      Map.entry(Byte.class, 4), Map.entry(byte.class, 4),
      Map.entry(Short.class, 6), Map.entry(short.class, 6),
      Map.entry(Integer.class, 11), Map.entry(int.class, 11),
      Map.entry(Long.class, 20), Map.entry(long.class, 20),
      Map.entry(Float.class, 16), Map.entry(float.class, 16),
      Map.entry(Double.class, 25), Map.entry(double.class, 25),
      Map.entry(Character.class, 2 + MAX_BYTES_PER_CHAR), Map.entry(char.class, 2 + MAX_BYTES_PER_CHAR),
      Map.entry(UUID.class, 38),
      Map.entry(Instant.class, 48), Map.entry(LocalDate.class, 24), Map.entry(LocalTime.class, 24),
      Map.entry(LocalDateTime.class, 48), Map.entry(Duration.class, 48));

  private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
    @Override
    protected Shape computeValue(Class<?> type) {
      return shapeOf(type);
    }
  };

  private SharedValues() {}

  /**
   * An upper bound of the size of {@code value}'s JSON text in bytes if it may be shared with a
   * mailbox of {@code here}; {@link #COPY} if it must be copied.
   */
  static long sizeBound(Object value, Mailboxes here) {
    if (value == null || !value.getClass().isRecord()) {
      return COPY;
    }
    return recordBound(value, here, 0);
  }

  private static long recordBound(Object record, Mailboxes here, int depth) {
    Shape shape = SHAPES.get(record.getClass());
    if (shape.components == null || depth > MAX_DEPTH) {
      return COPY;
    }
    long total = shape.fixedBytes;
    for (Component c : shape.components) {
      Object v;
      try {
        v = c.accessor.invokeExact(record);
      } catch (Throwable e) {
        // an accessor that throws is for Jackson to report, on the copying path
        return COPY;
      }
      long size = valueBound(c.kind, v, here, depth);
      if (size == COPY) {
        return COPY;
      }
      total += size;
    }
    return total;
  }

  private static long valueBound(Kind kind, Object v, Mailboxes here, int depth) {
    if (v == null) {
      return NULL_BYTES;
    }
    return switch (kind) {
      case SCALAR -> SCALARS.getOrDefault(v.getClass(), 0);
      case STRING -> 2L + (long) MAX_BYTES_PER_CHAR * ((String) v).length();
      case ENUM -> 2L + (long) MAX_BYTES_PER_CHAR * ((Enum<?>) v).name().length();
      case ADDRESS -> ((Address) v).isBoundTo(here) ? 2L + v.toString().length() : COPY;
      case RECORD -> recordBound(v, here, depth + 1);
    };
  }

  /** How a component's value is bounded. */
  private enum Kind { SCALAR, STRING, ENUM, ADDRESS, RECORD }

  private record Component(MethodHandle accessor, Kind kind) {}

  /**
   * A record's components, and the bytes of its JSON apart from their values: braces, names,
   * quotes, colons and commas. Null components for a type that is always copied.
   */
  private record Shape(List<Component> components, long fixedBytes) {
    static final Shape COPIED = new Shape(null, 0);
  }

  private static Shape shapeOf(Class<?> type) {
    RecordComponent[] parts = type.getRecordComponents();
    if (parts == null || parts.length == 0 || hasJacksonAnnotations(type)) {
      return Shape.COPIED;
    }
    List<Component> components = new ArrayList<>();
    long fixed = 2;
    for (RecordComponent part : parts) {
      Kind kind = kindOf(part.getType());
      if (kind == null) {
        return Shape.COPIED;
      }
      MethodHandle accessor;
      try {
        part.getAccessor().setAccessible(true);
        accessor = MethodHandles.lookup().unreflect(part.getAccessor())
            .asType(MethodType.methodType(Object.class, Object.class));
      } catch (IllegalAccessException | RuntimeException e) {
        // not open to us (a module boundary): Jackson may still read it
        return Shape.COPIED;
      }
      components.add(new Component(accessor, kind));
      fixed += (long) MAX_BYTES_PER_CHAR * part.getName().length() + 4;
    }
    return new Shape(List.copyOf(components), fixed);
  }

  private static Kind kindOf(Class<?> type) {
    if (type == String.class) {
      return Kind.STRING;
    }
    if (SCALARS.containsKey(type)) {
      return Kind.SCALAR;
    }
    if (type.isEnum() && !hasJacksonAnnotations(type)) {
      return Kind.ENUM;
    }
    if (type == Address.class) {
      return Kind.ADDRESS;
    }
    // a record class is final, so the declared type is the runtime type; its own shape is read when a value is
    return type.isRecord() ? Kind.RECORD : null;
  }

  /**
   * Whether Jackson is told anything about {@code type}: on the class, a field, a method, or a
   * constructor parameter (where annotations written on a record component end up).
   */
  private static boolean hasJacksonAnnotations(Class<?> type) {
    if (hasJacksonAnnotation(type)) {
      return true;
    }
    for (var field : type.getDeclaredFields()) {
      if (hasJacksonAnnotation(field)) {
        return true;
      }
    }
    for (var method : type.getDeclaredMethods()) {
      if (hasJacksonAnnotation(method)) {
        return true;
      }
    }
    for (var constructor : type.getDeclaredConstructors()) {
      if (hasJacksonAnnotation(constructor)) {
        return true;
      }
      for (var parameter : constructor.getParameters()) {
        if (hasJacksonAnnotation(parameter)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean hasJacksonAnnotation(AnnotatedElement element) {
    for (Annotation a : element.getAnnotations()) {
      if (a.annotationType().getPackageName().startsWith("com.fasterxml.jackson")) {
        return true;
      }
    }
    return false;
  }
}
