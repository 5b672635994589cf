package dev.ferry.core;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A {@code switch} over the record types of a sealed request interface, checked to be exhaustive
 * when it is built (Java 17 has no pattern {@code switch}): one handler per record type, and
 * {@link Builder#build} fails, naming the types, if a permitted record has none. A service builds
 * one at start and hands each request its {@link Requests} decoded to {@link #apply}.
 *
 * <pre>{@code
 * Dispatch<RegistryRequest, Future<? extends BusJson>> dispatch = Dispatch.over(RegistryRequest.class)
 *     .on(Lookup.class, lookup -> lookup(lookup.name()))
 *     .on(Names.class, names -> names())
 *     ...
 *     .build();
 * }</pre>
 *
 * <p>Immutable once built, so thread-safe; the handlers run on the caller's thread.
 */
public final class Dispatch<R, A> {
  private final Map<Class<?>, Function<Object, A>> handlers;

  private Dispatch(Map<Class<?>, Function<Object, A>> handlers) {
    this.handlers = handlers;
  }

  /** Starts a dispatch over the records that {@code sealed} (a sealed interface) permits, directly or not. */
  public static <R, A> Builder<R, A> over(Class<R> sealed) {
    if (!sealed.isSealed()) {
      throw new IllegalArgumentException(sealed.getName() + " is not a sealed interface");
    }
    return new Builder<>(sealed);
  }

  /** The handler's answer to {@code request}. */
  public A apply(R request) {
    return handlers.get(request.getClass()).apply(request);
  }

  /** Collects one handler per record type. Not thread-safe; used once, at start. */
  public static final class Builder<R, A> {
    private final Class<R> sealed;
    private final Map<Class<?>, Function<Object, A>> handlers = new HashMap<>();

    private Builder(Class<R> sealed) {
      this.sealed = sealed;
    }

    /** {@code handler} answers every request of type {@code type} (a record, or another final class). */
    public <T extends R> Builder<R, A> on(Class<T> type, Function<? super T, ? extends A> handler) {
      if (handlers.put(type, request -> handler.apply(type.cast(request))) != null) {
        throw new IllegalArgumentException(type.getName() + " has two handlers");
      }
      return this;
    }

    /** The dispatch; fails naming the record types of {@code sealed} that have no handler. */
    public Dispatch<R, A> build() {
      List<String> missing = new ArrayList<>();
      for (Class<?> type : records(sealed)) {
        if (!handlers.containsKey(type)) {
          missing.add(type.getSimpleName());
        }
      }
      if (!missing.isEmpty()) {
        throw new IllegalStateException("no handler for " + String.join(", ", missing) + " of " + sealed.getName());
      }
      return new Dispatch<>(Map.copyOf(handlers));
    }

    private static List<Class<?>> records(Class<?> type) {
      if (!type.isSealed()) {
        if (type.isInterface() || !Modifier.isFinal(type.getModifiers())) {
          throw new IllegalStateException(type.getName() + " is open to subtypes: dispatch needs sealed interfaces "
              + "of records");
        }
        return List.of(type);
      }
      List<Class<?>> all = new ArrayList<>();
      for (Class<?> permitted : type.getPermittedSubclasses()) {
        all.addAll(records(permitted));
      }
      return all;
    }
  }
}
