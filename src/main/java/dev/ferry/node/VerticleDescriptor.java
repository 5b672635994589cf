package dev.ferry.node;

import dev.ferry.core.ConfigException;
import io.vertx.core.Deployable;
import io.vertx.core.ThreadingModel;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * One file of {@code verticles/}: which verticle to deploy, how many instances, on which
 * threading model, in what order. A {@code singleton} is a per-node service (Raft, the registry)
 * that must run exactly once; stateless ones (the web verticle) scale by instances. A descriptor
 * says how a verticle is deployed, never how it behaves: settings live in the node configuration
 * (conf/node.json and its override layers), so a {@code config} object here is refused.
 *
 * <p>Immutable; validated when read, so a bad plan fails start-up before the node joins.
 */
public record VerticleDescriptor(
    String name,
    Class<? extends Deployable> verticleClass,
    int instances,
    ThreadingModel threading,
    boolean singleton,
    int order,
    String source) {

  /** Reads and checks a descriptor; {@code source} names its file in every error. */
  static VerticleDescriptor parse(JsonObject json, String source) {
    String name = json.getString("name");
    if (name == null || !name.matches("[a-z0-9_-]+")) {
      throw new ConfigException(source + ": name: expected lowercase letters, digits, '-' or '_', got " + name);
    }
    String className = json.getString("class");
    if (className == null) {
      throw new ConfigException(source + ": class: the verticle's class name is required");
    }
    Class<? extends Deployable> type = loadClass(className, source);
    int instances = integer(json, "instances", 1, source);
    boolean singleton = json.getBoolean("singleton", false);
    refuseConfig(json, source);
    var descriptor = new VerticleDescriptor(name, type, 1, threading(json.getString("threading", "event-loop"), source),
        singleton, integer(json, "order", 500, source), source);
    return descriptor.withInstances(instances, source + ": instances");
  }

  /** The same plan entry with another instance count; singletons refuse more than one. */
  VerticleDescriptor withInstances(int count, String where) {
    if (count < 1) {
      throw new ConfigException(where + ": a verticle runs at least one instance, got " + count);
    }
    if (singleton && count > 1) {
      throw new ConfigException(where + ": " + name + " is a per-node singleton and runs exactly one instance, not "
          + count + "; scale it by adding nodes");
    }
    return new VerticleDescriptor(name, verticleClass, count, threading, singleton, order, source);
  }

  /**
   * Settings in a descriptor would be a second place for them, out of reach of {@code FERRY_*} and
   * {@code --set}; say where they go. The empty {@code "config": {}} of older plans means nothing and passes.
   */
  private static void refuseConfig(JsonObject json, String source) {
    Object config = json.getValue("config");
    if (config != null && !(config instanceof JsonObject object && object.isEmpty())) {
      throw new ConfigException(source + ": config: a descriptor says how to deploy a verticle, not how it behaves; "
          + "put its settings in the node configuration (its section in a --config file; FERRY_* and --set for "
          + "the keys of conf/node.json) and remove \"config\"");
    }
  }

  private static Class<? extends Deployable> loadClass(String className, String source) {
    try {
      Class<?> type = Class.forName(className, false, VerticleDescriptor.class.getClassLoader());
      if (!Deployable.class.isAssignableFrom(type)) {
        throw new ConfigException(source + ": class: " + className + " is not a verticle");
      }
      return type.asSubclass(Deployable.class);
    } catch (ClassNotFoundException e) {
      throw new ConfigException(source + ": class: no class " + className + " in this jar");
    }
  }

  private static ThreadingModel threading(String text, String source) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "event-loop" -> ThreadingModel.EVENT_LOOP;
      case "worker" -> ThreadingModel.WORKER;
      case "virtual-thread" -> ThreadingModel.VIRTUAL_THREAD;
      default -> throw new ConfigException(source + ": threading: expected event-loop, worker or virtual-thread, got "
          + text);
    };
  }

  private static int integer(JsonObject json, String key, int fallback, String source) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).intValue();
    }
    throw new ConfigException(source + ": " + key + ": expected an integer, got " + value);
  }
}
