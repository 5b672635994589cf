package dev.ferry.arch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import dev.ferry.circuit.CircuitConfig;
import dev.ferry.circuit.Fragment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layering of docs/ARCHITECTURE.md, enforced: {@code cli} → services → {@code node} →
 * {@code core} → {@code peers}, dependencies pointing down only, a service being any other top
 * package under dev.ferry; no two top packages depend on each other, even around a loop; no class
 * reaches into another service's {@code impl} package; and inside the circuit service, the implementation
 * never reaches back up to the API it serves and no two of its classes depend on each other
 * (docs/CIRCUITS.md, "Code layout"); and a simple class name means one thing. Checks ferry's main classes (not the tests), and, for the layers, also the
 * import lines of the main sources: an unused import leaves no trace in a class file.
 */
class LayersTest {
  private static final String ROOT = "dev.ferry.";
  /** The layers from the top down, by the top package under dev.ferry; a service is any other package. */
  private static final List<String> LAYERS = List.of("cli", "services", "node", "core", "peers");
  private static final Path MAIN_SOURCES = Path.of("src", "main", "java");
  private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?(dev\\.ferry\\.[\\w.]+?)\\.[A-Z][\\w.*]*;",
      Pattern.MULTILINE);

  private static final JavaClasses FERRY = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.ferry");

  /** The rule: a layer may use itself and the layers below it, never one above. */
  static ArchRule layers() {
    return layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("cli").definedBy("dev.ferry.cli..")
        .layer("services").definedBy(DescribedPredicate.<JavaClass>describe("any other package under dev.ferry (a service)",
            c -> c.getPackageName().startsWith(ROOT) && layer(c.getPackageName()).equals("services")))
        .layer("node").definedBy("dev.ferry.node..")
        .layer("core").definedBy("dev.ferry.core..")
        .layer("peers").definedBy("dev.ferry.peers..")
        .whereLayer("cli").mayNotBeAccessedByAnyLayer()
        .whereLayer("services").mayOnlyBeAccessedByLayers("cli")
        .whereLayer("node").mayOnlyBeAccessedByLayers("cli", "services")
        .whereLayer("core").mayOnlyBeAccessedByLayers("cli", "services", "node")
        .whereLayer("peers").mayOnlyBeAccessedByLayers("cli", "services", "node", "core");
  }

  /**
   * The rule: no two top packages under dev.ferry depend on each other, directly or around a loop
   * (every service, and every layer, a new package included as soon as it exists): a service uses
   * another's public API, and that one never uses it back. Where a lower service needs something
   * of a higher one, it declares an interface the higher one implements ({@code ipfs.exchange.ClusterPins},
   * which the pin service publishes) or asks over the bus.
   */
  static ArchRule noCyclesBetweenPackages() {
    return slices().matching("dev.ferry.(*)..").namingSlices("$1").should().beFreeOfCycles();
  }

  /** The rule: a service's {@code impl} package is used only from inside that service. */
  static ArchRule implStaysInItsService() {
    return ArchRuleDefinition.classes().should(new ArchCondition<JavaClass>("use no other service's impl package") {
      @Override
      public void check(JavaClass origin, ConditionEvents events) {
        for (Dependency d : origin.getDirectDependenciesFromSelf()) {
          String target = d.getTargetClass().getPackageName();
          if (target.startsWith(ROOT) && target.contains(".impl")
              && !service(target).equals(service(origin.getPackageName()))) {
            events.add(SimpleConditionEvent.violated(d, d.getDescription()));
          }
        }
      }
    }).allowEmptyShould(true);
  }

  /**
   * The rule: {@code circuit.impl} (wire formats, streams, transports) uses nothing of the circuit
   * API above it but the values it carries, {@link Fragment} and {@link CircuitConfig}: no
   * {@code Circuit}, {@code LocalPeer}, {@code Circuits}, nor {@code filesync}. What it needs from
   * above, it declares as an interface of its own that the API implements.
   */
  static ArchRule circuitImplStaysBelowTheApi() {
    return noClasses().that().resideInAPackage("dev.ferry.circuit.impl..")
        .should().dependOnClassesThat(resideInAPackage("dev.ferry.circuit..")
            .and(not(resideInAPackage("dev.ferry.circuit.impl..")))
            .and(not(belongToAnyOf(Fragment.class, CircuitConfig.class)))
            .as("are circuit API classes other than the values Fragment and CircuitConfig"));
  }

  /**
   * The rule: inside {@code packages} (an ArchUnit package pattern), no two top-level classes
   * depend on each other, a nested or anonymous class counted as its outer class: dependencies
   * between the classes point one way (docs/CIRCUITS.md, "Code layout"). Where a lower class needs
   * something of a higher one, it declares a small interface the higher one implements, or takes
   * plain values, as MicroRaft's {@code Transport.send(target, message)} does.
   */
  static ArchRule noTwoClassesDependOnEachOther(String packages) {
    return ArchRuleDefinition.classes().that().resideInAPackage(packages)
        .should(new ArchCondition<JavaClass>("not depend on a class that depends back on them") {
          /** Each top-level class's name, to the top-level classes of the packages it depends on. */
          private Map<String, Set<String>> uses = Map.of();

          @Override
          public void init(Collection<JavaClass> all) {
            Set<String> inside = all.stream().map(c -> outermost(c).getName()).collect(Collectors.toSet());
            uses = new HashMap<>();
            for (JavaClass c : all) {
              for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String target = outermost(d.getTargetClass().getBaseComponentType()).getName();
                if (inside.contains(target)) {
                  uses.computeIfAbsent(outermost(c).getName(), k -> new TreeSet<>()).add(target);
                }
              }
            }
          }

          @Override
          public void check(JavaClass c, ConditionEvents events) {
            if (!c.isTopLevelClass()) {
              return;
            }
            for (String other : uses.getOrDefault(c.getName(), Set.of())) {
              // each pair once, from the class whose name sorts first
              if (c.getName().compareTo(other) < 0 && uses.getOrDefault(other, Set.of()).contains(c.getName())) {
                events.add(SimpleConditionEvent.violated(c, c.getName() + " and " + other + " depend on each other"));
              }
            }
          }
        });
  }

  /** The top-level class that {@code c} is nested in, or {@code c}. */
  private static JavaClass outermost(JavaClass c) {
    JavaClass outer = c;
    while (outer.getEnclosingClass().isPresent()) {
      outer = outer.getEnclosingClass().get();
    }
    return outer;
  }

  /**
   * The rule: no two top-level classes share a simple name ({@code package-info} aside), so a name
   * means one thing wherever it is read; a nested class is named through its outer class.
   */
  static ArchRule simpleNamesAreUnique() {
    return ArchRuleDefinition.classes().that().areTopLevelClasses().and().doNotHaveSimpleName("package-info")
        .should(new ArchCondition<JavaClass>("have a simple name no other top-level class has") {
          private Map<String, List<String>> byName = Map.of();

          @Override
          public void init(Collection<JavaClass> all) {
            byName = all.stream().collect(Collectors.groupingBy(JavaClass::getSimpleName,
                Collectors.mapping(JavaClass::getName, Collectors.toList())));
          }

          @Override
          public void check(JavaClass c, ConditionEvents events) {
            List<String> same = byName.getOrDefault(c.getSimpleName(), List.of());
            if (same.size() > 1) {
              events.add(SimpleConditionEvent.violated(c, c.getName() + " shares its simple name with " + same));
            }
          }
        });
  }

  /** The layer of a package under dev.ferry: {@code services} for every service package. */
  static String layer(String pkg) {
    String top = service(pkg);
    return LAYERS.contains(top) ? top : "services";
  }

  /**
   * The imports in the main sources that point up a layer or into another service's {@code impl}
   * package, as "file: import" lines; the class files miss the unused ones.
   */
  static List<String> importsAgainstTheLayers(Path sources) throws IOException {
    List<String> wrong = new ArrayList<>();
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        String pkg = sources.relativize(file.getParent()).toString().replace(file.getFileSystem().getSeparator(), ".");
        Matcher m = IMPORT.matcher(Files.readString(file));
        while (m.find()) {
          String target = m.group(1);
          boolean up = LAYERS.indexOf(layer(target)) < LAYERS.indexOf(layer(pkg));
          boolean foreignImpl = target.contains(".impl") && !service(target).equals(service(pkg));
          if (up || foreignImpl) {
            wrong.add(sources.relativize(file) + ": " + m.group().strip());
          }
        }
      }
    }
    return wrong;
  }

  /** The top package under dev.ferry that a package belongs to: {@code raft} for {@code dev.ferry.raft.impl}. */
  static String service(String pkg) {
    if (!pkg.startsWith(ROOT)) {
      return pkg;
    }
    String rest = pkg.substring(ROOT.length());
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  @Test
  void dependenciesPointDownTheLayers() {
    layers().check(FERRY);
  }

  @Test
  void noSourceImportsALayerAboveItsOwnOrAnotherServicesImpl() throws IOException {
    assertThat(importsAgainstTheLayers(MAIN_SOURCES)).isEmpty();
  }

  /** The source check finds what the class files cannot show: an import nothing uses. */
  @Test
  void theSourceCheckCatchesAnUnusedImportOfAHigherLayer(@TempDir Path sources) throws IOException {
    Path core = Files.createDirectories(sources.resolve(Path.of("dev", "ferry", "core")));
    Files.writeString(core.resolve("Up.java"), """
        package dev.ferry.core;

        import dev.ferry.node.Node;
        import dev.ferry.peers.Peers;
        import dev.ferry.circuit.impl.Link;

        final class Up {}
        """);
    assertThat(importsAgainstTheLayers(sources)).containsExactly(
        Path.of("dev", "ferry", "core", "Up.java") + ": import dev.ferry.node.Node;",
        Path.of("dev", "ferry", "core", "Up.java") + ": import dev.ferry.circuit.impl.Link;");
  }

  @Test
  void noTwoServicesDependOnEachOther() {
    noCyclesBetweenPackages().check(FERRY);
  }

  @Test
  void noClassUsesAnotherServicesImplPackage() {
    implStaysInItsService().check(FERRY);
  }

  @Test
  void theCircuitImplementationDoesNotReachBackUpToItsApi() {
    circuitImplStaysBelowTheApi().check(FERRY);
  }

  /** Inside the circuit service, each class uses the ones below it and none uses it back. */
  @Test
  void noTwoCircuitClassesDependOnEachOther() {
    noTwoClassesDependOnEachOther("dev.ferry.circuit..").check(FERRY);
  }

  @Test
  void noTwoClassesShareASimpleName() {
    simpleNamesAreUnique().check(FERRY);
  }
}
