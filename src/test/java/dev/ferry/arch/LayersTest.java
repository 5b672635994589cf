package dev.ferry.arch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

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
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/ARCHITECTURE.md, enforced: {@code cli} → services → {@code node} →
 * {@code core} → {@code peers}, dependencies pointing down only; no class reaches into
 * another service's {@code impl} package; and inside the circuit service, the implementation
 * never reaches back up to the API it serves (docs/CIRCUITS.md, "Code layout"). Checks ferry's main
 * classes (not the tests).
 */
class LayersTest {
  private static final String ROOT = "dev.ferry.";
  /** The service packages (the middle layer); each may use the others' public API. */
  private static final String[] SERVICES = {"dev.ferry.mailbox..", "dev.ferry.registry..", "dev.ferry.raft..",
      "dev.ferry.circuit..", "dev.ferry.pin..", "dev.ferry.ipfs..", "dev.ferry.web..", "dev.ferry.ctl..",
      "dev.ferry.chat..", "dev.ferry.security.."};

  private static final JavaClasses FERRY = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.ferry");

  /** The rule: a layer may use itself and the layers below it, never one above. */
  static ArchRule layers() {
    return layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("cli").definedBy("dev.ferry.cli..")
        .layer("services").definedBy(SERVICES)
        .layer("node").definedBy("dev.ferry.node..")
        .layer("core").definedBy("dev.ferry.core..")
        .layer("peers").definedBy("dev.ferry.peers..")
        .whereLayer("cli").mayNotBeAccessedByAnyLayer()
        .whereLayer("services").mayOnlyBeAccessedByLayers("cli")
        .whereLayer("node").mayOnlyBeAccessedByLayers("cli", "services")
        .whereLayer("core").mayOnlyBeAccessedByLayers("cli", "services", "node")
        .whereLayer("peers").mayOnlyBeAccessedByLayers("cli", "services", "node", "core");
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
  void noClassUsesAnotherServicesImplPackage() {
    implStaysInItsService().check(FERRY);
  }

  @Test
  void theCircuitImplementationDoesNotReachBackUpToItsApi() {
    circuitImplStaysBelowTheApi().check(FERRY);
  }
}
