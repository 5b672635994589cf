package dev.ferry.node;

import dev.ferry.core.ConfigException;
import dev.ferry.core.NodeContext;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the deployment plan ({@code verticles/*.json}: from a directory when configured, else the
 * copy inside the jar) and deploys it in {@code order}, one descriptor at a time, undeploying in
 * reverse on shutdown.
 *
 * <p>Not thread-safe; one per node, used from the node's start and stop.
 */
final class Deployer {
  private static final Logger log = LoggerFactory.getLogger(Deployer.class);
  static final String PLAN_RESOURCE = "verticles";

  private record Deployed(String name, String id) {}

  private final List<Deployed> deployed = new ArrayList<>();

  /** The plan, validated, with {@code --instances NAME=N} applied. */
  static List<VerticleDescriptor> plan(Optional<Path> directory, Map<String, Integer> instances) {
    List<VerticleDescriptor> plan = new ArrayList<>(directory.map(Deployer::readDirectory).orElseGet(Deployer::readBundled));
    Map<String, Integer> pending = new HashMap<>(instances);
    for (int i = 0; i < plan.size(); i++) {
      VerticleDescriptor d = plan.get(i);
      Integer count = pending.remove(d.name());
      if (count != null) {
        plan.set(i, d.withInstances(count, "--instances " + d.name() + "=" + count));
      }
    }
    if (!pending.isEmpty()) {
      throw new ConfigException("--instances: no verticle named " + String.join(", ", pending.keySet())
          + " (known: " + String.join(", ", plan.stream().map(VerticleDescriptor::name).toList()) + ")");
    }
    plan.sort(Comparator.comparingInt(VerticleDescriptor::order).thenComparing(VerticleDescriptor::name));
    return List.copyOf(plan);
  }

  /** Deploys the plan in order; a failure stops there and reports which verticle failed. */
  Future<Void> deploy(Vertx vertx, NodeContext node, List<VerticleDescriptor> plan) {
    Future<Void> chain = Future.succeededFuture();
    for (VerticleDescriptor d : plan) {
      chain = chain.compose(v -> deployOne(vertx, node, d));
    }
    return chain;
  }

  /** Undeploys everything this deployer deployed, last first; failures are logged, not fatal. */
  Future<Void> undeployAll(Vertx vertx) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployed.size() - 1; i >= 0; i--) {
      Deployed d = deployed.get(i);
      chain = chain.compose(v -> vertx.undeploy(d.id())
          .onSuccess(x -> log.info("undeployed {}", d.name()))
          .otherwise(e -> {
            log.warn("undeploying {} failed: {}", d.name(), e.getMessage());
            return null;
          }));
    }
    return chain.onComplete(x -> deployed.clear());
  }

  private Future<Void> deployOne(Vertx vertx, NodeContext node, VerticleDescriptor d) {
    var options = new DeploymentOptions()
        .setInstances(d.instances())
        .setThreadingModel(d.threading());
    return vertx.deployVerticle(factory(d, node), options)
        .recover(e -> Future.failedFuture(new ConfigException(
            "verticle " + d.name() + " (" + d.source() + ") failed to start: " + e.getMessage(), e)))
        .map(id -> {
          deployed.add(new Deployed(d.name(), id));
          log.info("deployed {} ({} instance{}, {})", d.name(), d.instances(), d.instances() == 1 ? "" : "s",
              d.threading().name().toLowerCase(Locale.ROOT));
          return null;
        });
  }

  /** New instances through a {@code (NodeContext)} constructor when the class has one, else the no-arg one. */
  private static Supplier<Deployable> factory(VerticleDescriptor d, NodeContext node) {
    Constructor<? extends Deployable> withNode = constructor(d.verticleClass(), NodeContext.class);
    Constructor<? extends Deployable> plain = constructor(d.verticleClass());
    if (withNode == null && plain == null) {
      throw new ConfigException(d.source() + ": " + d.verticleClass().getName()
          + " needs a public constructor taking NodeContext, or none");
    }
    return () -> {
      try {
        return withNode != null ? withNode.newInstance(node) : plain.newInstance();
      } catch (InvocationTargetException e) {
        throw new IllegalStateException(d.name() + ": constructor failed: " + e.getCause(), e.getCause());
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(d.name() + ": cannot create " + d.verticleClass().getName(), e);
      }
    };
  }

  private static Constructor<? extends Deployable> constructor(Class<? extends Deployable> type, Class<?>... params) {
    try {
      return type.getConstructor(params);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static List<VerticleDescriptor> readDirectory(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new ConfigException("verticles_dir: " + directory + " is not a directory");
    }
    return readAll(directory, directory.toString());
  }

  /** The plan inside the jar (or target/classes when run from the build). */
  private static List<VerticleDescriptor> readBundled() {
    URL url = Deployer.class.getClassLoader().getResource(PLAN_RESOURCE);
    if (url == null) {
      throw new ConfigException(PLAN_RESOURCE + "/ is missing from the class path: rebuild the jar");
    }
    try {
      URI uri = url.toURI();
      if (!"jar".equals(uri.getScheme())) {
        return readAll(Path.of(uri), PLAN_RESOURCE);
      }
      try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
        return readAll(jar.getPath(PLAN_RESOURCE), PLAN_RESOURCE);
      }
    } catch (URISyntaxException | IOException e) {
      throw new ConfigException("cannot read the bundled " + PLAN_RESOURCE + "/: " + e.getMessage(), e);
    }
  }

  private static List<VerticleDescriptor> readAll(Path directory, String shownAs) {
    try (Stream<Path> files = Files.list(directory)) {
      List<VerticleDescriptor> plan = new ArrayList<>();
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
        String source = shownAs + "/" + file.getFileName();
        JsonObject json;
        try {
          json = new JsonObject(Files.readString(file));
        } catch (RuntimeException e) {
          throw new ConfigException(source + ": malformed JSON: " + e.getMessage());
        }
        VerticleDescriptor d = VerticleDescriptor.parse(json, source);
        if (plan.stream().anyMatch(p -> p.name().equals(d.name()))) {
          throw new ConfigException(source + ": another descriptor already names a verticle " + d.name());
        }
        plan.add(d);
      }
      return plan;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
