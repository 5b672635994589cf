package dev.ferry.web;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The node's last samples, oldest first, at most {@code capacity} of them: a new sample past that
 * drops the oldest, so the history's memory is bounded by {@code dashboard.history_ms} /
 * {@code dashboard.sample_interval_ms} samples.
 *
 * <p>Not thread-safe: owned by the history verticle's event loop.
 */
final class SampleRing {
  /** One sample: when it was taken (epoch ms) and its values by series name. */
  record Sample(long time, Map<String, Double> values) {
    Sample {
      values = Map.copyOf(values);
    }

    /** {@code {"time", "values": {series: value}}}. */
    JsonObject toJson() {
      JsonObject json = new JsonObject();
      values.forEach(json::put);
      return new JsonObject().put("time", time).put("values", json);
    }
  }

  private final int capacity;
  private final Deque<Sample> samples;

  SampleRing(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("a sample ring holds at least one sample, not " + capacity);
    }
    this.capacity = capacity;
    this.samples = new ArrayDeque<>(capacity);
  }

  void add(Sample sample) {
    if (samples.size() == capacity) {
      samples.removeFirst();
    }
    samples.addLast(sample);
  }

  int size() {
    return samples.size();
  }

  /**
   * The samples as columns, the shape charts take: {@code {"times": [ms...], "series": {name:
   * [value or null...]}}}, one entry per sample in each; a series a sample lacks (a Raft group that
   * started later) is null there.
   */
  JsonObject toColumns() {
    Set<String> names = new LinkedHashSet<>();
    samples.forEach(s -> names.addAll(s.values().keySet()));
    JsonArray times = new JsonArray();
    JsonObject series = new JsonObject();
    names.stream().sorted().forEach(name -> series.put(name, new JsonArray()));
    for (Sample sample : samples) {
      times.add(sample.time());
      for (String name : names) {
        series.getJsonArray(name).add(sample.values().get(name));
      }
    }
    return new JsonObject().put("times", times).put("series", series);
  }
}
