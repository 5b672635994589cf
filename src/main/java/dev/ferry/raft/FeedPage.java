package dev.ferry.raft;

import dev.ferry.core.BusJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The answer to a {@code feed} request: {@code {"entries": [...]}}, oldest first. Immutable. */
public record FeedPage(List<FeedEntry> entries) implements BusJson {
  public FeedPage {
    entries = List.copyOf(entries);
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("entries", new JsonArray(entries.stream().map(FeedEntry::toJson).toList()));
  }

  public static FeedPage fromJson(JsonObject json) {
    return new FeedPage(json.getJsonArray("entries", new JsonArray()).stream()
        .map(e -> FeedEntry.fromJson((JsonObject) e)).toList());
  }
}
