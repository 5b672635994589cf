package dev.ferry.core;

import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The requests one service takes on the bus, and the one way it answers them. A service declares
 * its requests as a sealed interface of records (each a {@link BusJson} that writes its wire form),
 * lists here how each is read from JSON, and serves its address with {@link #serve}: the body is
 * decoded once, at the consumer, into a record (a malformed one is answered with a
 * {@code bad-request} naming the field, see {@link Fields}), handed to the service, which
 * dispatches over the record types (a {@link Dispatch}, checked to cover them all), and its answer
 * or failure goes back through {@link #reply}. {@link BusClient} is the other end.
 *
 * <pre>{@code
 * sealed interface RegistryRequest extends BusJson { record Lookup(String name) implements RegistryRequest {...} ...}
 * static final Requests<RegistryRequest> REQUESTS = Requests.<RegistryRequest>of("registry")
 *     .on("lookup", f -> new Lookup(f.string("name")))
 *     ...;
 * var dispatch = Dispatch.<RegistryRequest, Future<? extends BusJson>>over(RegistryRequest.class)
 *     .on(Lookup.class, l -> lookup(l.name()))
 *     ...
 *     .build();
 * bus.consumer(Addresses.REGISTRY, m -> REQUESTS.serve(m, dispatch::apply));
 * }</pre>
 *
 * <p>A request is named by its string field {@code op}. A service whose requests had another key
 * may accept it as an {@link #alias}: it names the request when {@code op} is not a string.
 *
 * <p>Immutable once built, so thread-safe; {@link #serve} runs on the consumer's context, and the
 * reply is sent on whatever context the service's future completes on.
 */
public final class Requests<R extends BusJson> {
  /** The key that names a request, for every service. */
  public static final String OP = "op";

  private final String service;
  private final Map<String, Function<Fields, ? extends R>> decoders;
  private final String alias;
  private final Function<Object, String> unknown;
  private final String unnamed;

  private Requests(String service, Map<String, Function<Fields, ? extends R>> decoders, String alias,
      Function<Object, String> unknown, String unnamed) {
    this.service = service;
    this.decoders = decoders;
    this.alias = alias;
    this.unknown = unknown;
    this.unnamed = unnamed;
  }

  /** No requests yet, for the service named {@code service} in messages ({@code "registry"}, {@code "raft"}). */
  public static <R extends BusJson> Requests<R> of(String service) {
    return new Requests<>(service, Map.of(), null, null, null);
  }

  /** These requests and {@code op}, read by {@code decoder} (which may throw {@link Fields}' failures). */
  public Requests<R> on(String op, Function<Fields, ? extends R> decoder) {
    Map<String, Function<Fields, ? extends R>> more = new LinkedHashMap<>(decoders);
    if (more.put(op, Objects.requireNonNull(decoder)) != null) {
      throw new IllegalArgumentException(service + " request '" + op + "' is declared twice");
    }
    return new Requests<>(service, Collections.unmodifiableMap(more), alias, unknown, unnamed);
  }

  /** These requests, also named by the string field {@code key} when {@code op} is not a string. */
  public Requests<R> alias(String key) {
    return new Requests<>(service, decoders, key, unknown, unnamed);
  }

  /**
   * These requests, where a body without {@code op} (and without the alias), or no body at all, is
   * the request {@code op}: for a wire form older than the {@code op} key, or an address whose
   * plain question is asked with an empty message.
   */
  public Requests<R> unnamed(String op) {
    return new Requests<>(service, decoders, alias, unknown, op);
  }

  /**
   * These requests, with {@code message} (given what names the request, or null) as the text of
   * the {@code bad-request} for an unknown or missing name, for a service whose clients already
   * know its wording; by default it is {@code "field op: expected one of ..., got ..."}.
   */
  public Requests<R> unknownMessage(Function<Object, String> message) {
    return new Requests<>(service, decoders, alias, message, unnamed);
  }

  /**
   * The request in {@code body}, or a {@code bad-request}: the body is not a JSON object (nor
   * absent, with an {@link #unnamed} request), the
   * request has no known name ({@code "field op: expected one of ..., got ..."}), or one of its
   * fields is malformed.
   */
  public R decode(Object body) {
    if (body == null && unnamed != null) {
      body = new JsonObject();
    }
    if (!(body instanceof JsonObject json)) {
      throw FerryException.badRequest("a " + service + " request is a JSON object with an \"" + OP + "\" naming it, got "
          + (body == null ? "nothing" : body.getClass().getSimpleName()));
    }
    String name = nameOf(json);
    Function<Fields, ? extends R> decoder = name == null ? null : decoders.get(name);
    if (decoder == null) {
      throw unknown(name == null ? json.getValue(OP) : name);
    }
    try {
      return decoder.apply(Fields.of(json));
    } catch (ClassCastException | IllegalArgumentException e) {
      throw FerryException.badRequest("malformed " + service + " " + name + " request: " + e.getMessage());
    }
  }

  /**
   * The request's name: {@code op} if it is a string, else the alias if it is one, else the
   * {@link #unnamed} request when neither is there; null if none of these.
   */
  public String nameOf(JsonObject json) {
    if (json.getValue(OP) instanceof String op) {
      if (alias != null && json.getValue(alias) != null && !op.equals(json.getValue(alias))) {
        throw FerryException.badRequest("field " + alias + ": expected nothing or \"" + op + "\" (it is the old name "
            + "of \"" + OP + "\"), got " + json.getValue(alias));
      }
      return op;
    }
    if (alias != null && json.getValue(alias) instanceof String named) {
      return named;
    }
    return json.getValue(OP) == null && (alias == null || json.getValue(alias) == null) ? unnamed : null;
  }

  private FerryException unknown(Object got) {
    return unknown != null ? FerryException.badRequest(unknown.apply(got))
        : Fields.bad(OP, "one of " + String.join(", ", decoders.keySet()), got);
  }

  /**
   * Decodes the message's body and answers it with what {@code dispatch} makes of the request;
   * failures, including a decoding failure and an exception {@code dispatch} throws, are answered
   * as {@link FerryException}s.
   */
  public void serve(Message<?> message, Function<? super R, Future<? extends BusJson>> dispatch) {
    serve(message, dispatch, FerryException::from);
  }

  /** {@link #serve(Message, Function)}, with the service's own reading of its failures. */
  public void serve(Message<?> message, Function<? super R, Future<? extends BusJson>> dispatch,
      Function<Throwable, FerryException> failures) {
    Future<? extends BusJson> answer;
    try {
      answer = dispatch.apply(decode(message.body()));
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    reply(message, answer, failures);
  }

  /**
   * The one way a request is answered: the answer's JSON ({@code {}} for null), or the failure as
   * the {@link FerryException} {@code failures} makes of it, sent with
   * {@link FerryException#failReply} ({@code "<code>: <message>"}).
   */
  public static void reply(Message<?> message, Future<? extends BusJson> answer,
      Function<Throwable, FerryException> failures) {
    answer.onComplete(
        value -> message.reply(value == null ? new JsonObject() : value.toJson()),
        e -> failures.apply(e).failReply(message));
  }

  /** {@link #reply(Message, Future, Function)} with failures read by {@link FerryException#from}. */
  public static void reply(Message<?> message, Future<? extends BusJson> answer) {
    reply(message, answer, FerryException::from);
  }

  /**
   * {@link #reply(Message, Future)} for an answer made at once, on the consumer's context: what
   * {@code answer} returns, or the exception it throws as the failure (so the asker learns it
   * rather than waiting out its timeout). For an address with one plain question, as a node's
   * introspection addresses.
   */
  public static void reply(Message<?> message, Supplier<? extends BusJson> answer) {
    replyWith(message, () -> Future.succeededFuture(answer.get()));
  }

  /**
   * {@link #reply(Message, Future)} with the future {@code answer} makes, or the exception it
   * throws while making it as the failure.
   */
  public static void replyWith(Message<?> message, Supplier<? extends Future<? extends BusJson>> answer) {
    Future<? extends BusJson> made;
    try {
      made = answer.get();
    } catch (RuntimeException e) {
      made = Future.failedFuture(e);
    }
    reply(message, made);
  }
}
