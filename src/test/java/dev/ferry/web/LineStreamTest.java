package dev.ferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Futures;
import dev.ferry.testing.Http;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pages of a streamed listing go out in order, each line once, whether the pages come at once or
 * later, and the next page is asked for before the one before it is written.
 */
class LineStreamTest {
  private static final int PAGES = 5;
  private static final int LINES = 3;

  private Vertx vertx;
  private HttpServer server;
  /** What happened, in order: "ask N" when page N was asked for, "write N" when its lines were encoded. */
  private final List<String> events = new ArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.get("/at-once").handler(ctx -> LineStream.<Integer>send(ctx, from -> Future.succeededFuture(page(from))));
    router.get("/later").handler(ctx -> LineStream.<Integer>send(ctx, from -> {
      LineStream.Page<Integer> page = page(from);   // asked now, answered a little later
      Promise<LineStream.Page<Integer>> later = Promise.promise();
      vertx.setTimer(5, t -> later.complete(page));
      return later.future();
    }));
    server = Futures.await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"), Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() {
    Futures.await(vertx.close(), Duration.ofSeconds(10));
  }

  @Test
  void pagesThatComeAtOnceGoOutInOrder() {
    assertThat(lines("/at-once")).containsExactlyElementsOf(expected());
  }

  @Test
  void theNextPageIsAskedForBeforeAPageIsWritten() {
    assertThat(lines("/later")).containsExactlyElementsOf(expected());
    synchronized (events) {
      assertThat(events.indexOf("ask 1")).isLessThan(events.indexOf("write 0"));
      assertThat(events.indexOf("ask " + (PAGES - 1))).isLessThan(events.indexOf("write " + (PAGES - 2)));
    }
  }

  /** Page {@code from} (null: 0) of {@value #PAGES}, each of {@value #LINES} lines; noted as asked for now. */
  private LineStream.Page<Integer> page(Integer from) {
    int n = from == null ? 0 : from;
    synchronized (events) {
      events.add("ask " + n);
    }
    List<JsonObject> lines = IntStream.range(0, LINES).mapToObj(i -> new JsonObject().put("line", n * LINES + i)).toList();
    LineStream.Page<Integer> encoded = LineStream.Page.of(lines, null);
    return new LineStream.Page<>(() -> {
      synchronized (events) {
        events.add("write " + n);
      }
      return encoded.lines().get();
    }, n + 1 < PAGES ? n + 1 : null);
  }

  private static List<String> expected() {
    return IntStream.range(0, PAGES * LINES).mapToObj(i -> new JsonObject().put("line", i).encode()).toList();
  }

  private List<String> lines(String path) {
    HttpResponse<String> answer = Http.get(server.actualPort(), path);
    assertThat(answer.statusCode()).isEqualTo(200);
    return answer.body().lines().toList();
  }
}
