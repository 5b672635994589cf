package dev.ferry.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.testing.Futures;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RequestsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final DeliveryOptions OPTIONS = new DeliveryOptions().setSendTimeout(WAIT.toMillis());

  /** A small service of the shape the real ones have. */
  sealed interface Shelf extends BusJson {
    record Put(String key, long count, boolean replace) implements Shelf {
      @Override
      public JsonObject toJson() {
        return new JsonObject().put("op", "put").put("key", key).put("count", count).put("replace", replace);
      }
    }

    record Get(String key) implements Shelf {
      @Override
      public JsonObject toJson() {
        return new JsonObject().put("op", "get").put("key", key);
      }
    }
  }

  record Count(String key, long count) implements BusJson {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("key", key).put("count", count);
    }

    static Count fromJson(JsonObject json) {
      return new Count(json.getString("key"), json.getLong("count"));
    }
  }

  static final Requests<Shelf> REQUESTS = Requests.<Shelf>of("shelf")
      .on("put", f -> new Shelf.Put(f.string("key"), f.wholeNumber("count", 1), f.bool("replace", false)))
      .on("get", f -> new Shelf.Get(f.string("key")));

  static Vertx vertx;

  @BeforeAll
  static void serveAShelf() {
    vertx = Vertx.vertx();
    Dispatch<Shelf, Future<? extends BusJson>> dispatch = Dispatch.<Shelf, Future<? extends BusJson>>over(Shelf.class)
        .on(Shelf.Put.class, put -> put.key().equals("full")
            ? Future.failedFuture(new FerryException(FerryException.TOO_LARGE, "the shelf is full"))
            : Future.succeededFuture(new Count(put.key(), put.count())))
        .on(Shelf.Get.class, get -> {
          if (get.key().equals("thrown")) {
            throw FerryException.notFound("nothing under thrown");
          }
          return Future.succeededFuture(new Count(get.key(), 0));
        })
        .build();
    Futures.await(vertx.eventBus().consumer("test.shelf", m -> REQUESTS.serve(m, dispatch::apply)).completion(), WAIT);
    // a plain question answered at once: how many keys, for an empty message; anything else is thrown
    Futures.await(vertx.eventBus().consumer("test.keys", m -> Requests.reply(m, () -> {
      if (m.body() != null) {
        throw FerryException.badRequest("test.keys takes an empty message");
      }
      return new Count("keys", 2);
    })).completion(), WAIT);
  }

  @AfterAll
  static void close() {
    Futures.await(vertx.close(), WAIT);
  }

  @Test
  void aRequestIsDecodedIntoItsRecord() {
    assertThat(REQUESTS.decode(new JsonObject().put("op", "put").put("key", "k").put("count", 3)))
        .isEqualTo(new Shelf.Put("k", 3, false));
    assertThat(REQUESTS.decode(new Shelf.Put("k", 2, true).toJson())).isEqualTo(new Shelf.Put("k", 2, true));
    assertThat(REQUESTS.decode(new JsonObject().put("op", "put").put("key", "k").put("count", 3.0)))
        .as("a whole number written as a double (JavaScript)").isEqualTo(new Shelf.Put("k", 3, false));
  }

  @Test
  void aBadFieldIsABadRequestNamingItAndTheTypeItNeeds() {
    assertBad(new JsonObject().put("op", "get"), "field key: expected a string, got nothing");
    assertBad(new JsonObject().put("op", "get").put("key", 7), "field key: expected a string, got 7");
    assertBad(new JsonObject().put("op", "put").put("key", "k").put("count", "ten"),
        "field count: expected a whole number >= 1, got \"ten\"");
    assertBad(new JsonObject().put("op", "put").put("key", "k").put("count", 1.5),
        "field count: expected a whole number >= 1, got 1.5");
    assertBad(new JsonObject().put("op", "put").put("key", "k").put("count", 0),
        "field count: expected a whole number >= 1, got 0");
    assertBad(new JsonObject().put("op", "put").put("key", "k").put("count", 1).put("replace", "yes"),
        "field replace: expected true or false, got \"yes\"");
  }

  @Test
  void anUnknownOrMissingNameListsTheRequests() {
    assertBad(new JsonObject().put("op", "dance"), "field op: expected one of put, get, got \"dance\"");
    assertBad(new JsonObject(), "field op: expected one of put, get, got nothing");
    assertBad(new JsonObject().put("op", new JsonObject()), "field op: expected one of put, get, got {}");
    assertBad("not json", "a shelf request is a JSON object with an \"op\" naming it, got String");
    Requests<Shelf> worded = REQUESTS.unknownMessage(op -> "unknown shelf op '" + op + "'");
    assertBad(worded, new JsonObject().put("op", "dance"), "unknown shelf op 'dance'");
  }

  @Test
  void anAliasNamesTheRequestWhenOpIsNotAString() {
    Requests<Shelf> aliased = REQUESTS.alias("action");
    assertThat(aliased.decode(new JsonObject().put("action", "get").put("key", "k"))).isEqualTo(new Shelf.Get("k"));
    assertThat(aliased.decode(new JsonObject().put("action", "get").put("op", new JsonObject()).put("key", "k")))
        .as("op as an object is payload, not the name").isEqualTo(new Shelf.Get("k"));
    assertThat(aliased.decode(new JsonObject().put("op", "get").put("action", "get").put("key", "k")))
        .isEqualTo(new Shelf.Get("k"));
    assertBad(aliased, new JsonObject().put("op", "get").put("action", "put").put("key", "k"),
        "field action: expected nothing or \"get\"");
    assertBad(new JsonObject().put("action", "get").put("key", "k"), "field op: expected one of put, get, got nothing");
  }

  @Test
  void anUnnamedRequestIsTheOneABodyWithoutOpNames() {
    Requests<Shelf> older = REQUESTS.unnamed("get");
    assertThat(older.decode(new JsonObject().put("key", "k"))).isEqualTo(new Shelf.Get("k"));
    assertThat(older.decode(new JsonObject().put("op", "put").put("key", "k").put("count", 2)))
        .isEqualTo(new Shelf.Put("k", 2, false));
    assertBad(older, new JsonObject().put("op", 7).put("key", "k"), "field op: expected one of put, get, got 7");
    assertBad(older, new JsonObject(), "field key: expected a string, got nothing");
  }

  @Test
  void noBodyIsTheUnnamedRequestWhereThereIsOneAndBadElsewhere() {
    Requests<Shelf> plain = Requests.<Shelf>of("shelf").on("get", f -> new Shelf.Get(f.string("key", "all")))
        .unnamed("get");
    assertThat(plain.decode(null)).isEqualTo(new Shelf.Get("all"));
    assertBad(null, "a shelf request is a JSON object with an \"op\" naming it, got nothing");
  }

  @Test
  void answersAndFailuresGoBackTypedThroughTheClient() {
    BusClient client = BusClient.of(vertx);
    assertThat(Futures.await(client.ask("test.shelf", new Shelf.Put("jam", 4, false), OPTIONS, Count::fromJson), WAIT))
        .isEqualTo(new Count("jam", 4));
    assertFailure(client.ask("test.shelf", new Shelf.Put("full", 1, false), OPTIONS, Count::fromJson),
        FerryException.TOO_LARGE, "the shelf is full");
    assertFailure(client.ask("test.shelf", new Shelf.Get("thrown"), OPTIONS, Count::fromJson),
        FerryException.NOT_FOUND, "nothing under thrown");
    assertFailure(client.ask("test.shelf", () -> new JsonObject().put("op", "get"), OPTIONS, Count::fromJson),
        FerryException.BAD_REQUEST, "field key: expected a string, got nothing");
  }

  @Test
  void busFailuresAreMappedInOnePlace() {
    assertFailure(BusClient.of(vertx).ask("test.nobody", new Shelf.Get("k"), OPTIONS, Count::fromJson),
        FerryException.UNAVAILABLE, "nobody serves this address");
    BusClient named = BusClient.of(vertx).whenNobodyServes(address -> FerryException.notFound("no shelf at " + address));
    assertFailure(named.ask("test.nobody", new Shelf.Get("k"), OPTIONS, Count::fromJson),
        FerryException.NOT_FOUND, "no shelf at test.nobody");
    assertFailure(named.ask("test.shelf", new Shelf.Get("k"), OPTIONS, json -> List.of(json.getLong("missing")).get(0)),
        FerryException.INTERNAL, "a reply from test.shelf that cannot be read");
  }

  @Test
  void anAnswerMadeAtOnceGoesBackAndWhatItThrowsIsTheAskersFailure() {
    BusClient client = BusClient.of(vertx);
    assertThat(Futures.await(client.ask("test.keys", null, OPTIONS, Count::fromJson), WAIT))
        .as("a null request is an empty message").isEqualTo(new Count("keys", 2));
    assertFailure(client.ask("test.keys", new Shelf.Get("k"), OPTIONS, Count::fromJson),
        FerryException.BAD_REQUEST, "test.keys takes an empty message");
  }

  @Test
  void askEachAsksEveryNameAtOnceAndHandsBackEachAnswerOrFailureInOrder() {
    Map<String, AsyncResult<Count>> answers = Futures.await(BusClient.of(vertx).askEach(List.of("jam", "full", "gone"),
        name -> name.equals("gone") ? "test.nobody" : "test.shelf", name -> new Shelf.Put(name, 2, false), OPTIONS,
        Count::fromJson), WAIT);
    assertThat(answers.keySet()).containsExactly("jam", "full", "gone");
    assertThat(answers.get("jam").result()).isEqualTo(new Count("jam", 2));
    assertThat(answers.get("full").cause()).isInstanceOfSatisfying(FerryException.class,
        e -> assertThat(e.code()).isEqualTo(FerryException.TOO_LARGE));
    assertThat(answers.get("gone").cause()).isInstanceOfSatisfying(FerryException.class,
        e -> assertThat(e.code()).isEqualTo(FerryException.UNAVAILABLE));
    assertThat(Futures.await(BusClient.of(vertx).askEach(List.of(), name -> "test.shelf", name -> null, OPTIONS,
        Count::fromJson), WAIT)).as("nobody to ask").isEmpty();
  }

  @Test
  void aDispatchThatMissesARequestTypeFailsWhenBuilt() {
    assertThatThrownBy(() -> Dispatch.<Shelf, String>over(Shelf.class).on(Shelf.Get.class, get -> "got").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no handler for Put");
    assertThatThrownBy(() -> Dispatch.over(BusJson.class)).hasMessageContaining("not a sealed interface");
  }

  private static void assertBad(Object body, String message) {
    assertBad(REQUESTS, body, message);
  }

  private static void assertBad(Requests<Shelf> requests, Object body, String message) {
    assertThatThrownBy(() -> requests.decode(body))
        .isInstanceOfSatisfying(FerryException.class, e -> {
          assertThat(e.code()).isEqualTo(FerryException.BAD_REQUEST);
          assertThat(e.getMessage()).startsWith(message);
        });
  }

  private static void assertFailure(Future<?> future, String code, String message) {
    FerryException e = FerryException.from(Futures.cause(future, WAIT));
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.getMessage()).contains(message);
  }
}
