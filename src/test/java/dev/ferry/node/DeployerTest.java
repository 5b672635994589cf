package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import io.vertx.core.ThreadingModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeployerTest {
  @TempDir Path dir;

  private void descriptor(String file, String json) throws IOException {
    Files.writeString(dir.resolve(file), json);
  }

  @Test
  void theBundledPlanDeploysTheWebVerticle() {
    var plan = Deployer.plan(Optional.empty(), Map.of());
    assertThat(plan).extracting(VerticleDescriptor::name).contains("web");
    var web = plan.stream().filter(d -> d.name().equals("web")).findFirst().orElseThrow();
    assertThat(web.singleton()).isFalse();
    assertThat(web.threading()).isEqualTo(ThreadingModel.EVENT_LOOP);
  }

  @Test
  void descriptorsAreOrderedAndInstancesCanBeOverridden() throws IOException {
    descriptor("a.json", """
        {"name": "late", "class": "dev.ferry.web.WebVerticle", "order": 20, "instances": 2}""");
    descriptor("b.json", """
        {"name": "early", "class": "dev.ferry.web.WebVerticle", "order": 10, "threading": "worker"}""");
    var plan = Deployer.plan(Optional.of(dir), Map.of("late", 4));
    assertThat(plan).extracting(VerticleDescriptor::name).containsExactly("early", "late");
    assertThat(plan.get(0).threading()).isEqualTo(ThreadingModel.WORKER);
    assertThat(plan.get(1).instances()).isEqualTo(4);
  }

  @Test
  void settingsInADescriptorAreRefusedWithWhereTheyGo() throws IOException {
    descriptor("web.json", """
        {"name": "web", "class": "dev.ferry.web.WebVerticle", "config": {"port": 9100}}""");
    assertThatThrownBy(() -> Deployer.plan(Optional.of(dir), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(dir.resolve("web.json") + ": config: ")
        .hasMessageContaining("node configuration").hasMessageContaining("--config")
        .hasMessageContaining("remove \"config\"");
  }

  @Test
  void theEmptyConfigOfAnOlderPlanIsIgnored() throws IOException {
    descriptor("web.json", """
        {"name": "web", "class": "dev.ferry.web.WebVerticle", "config": {}}""");
    assertThat(Deployer.plan(Optional.of(dir), Map.of())).extracting(VerticleDescriptor::name).containsExactly("web");
  }

  @Test
  void aSingletonRefusesMoreThanOneInstance() throws IOException {
    descriptor("raft.json", """
        {"name": "raft", "class": "dev.ferry.web.WebVerticle", "singleton": true}""");
    assertThat(Deployer.plan(Optional.of(dir), Map.of()).get(0).instances()).isEqualTo(1);
    assertThatThrownBy(() -> Deployer.plan(Optional.of(dir), Map.of("raft", 2)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--instances raft=2")
        .hasMessageContaining("singleton");
    descriptor("raft.json", """
        {"name": "raft", "class": "dev.ferry.web.WebVerticle", "singleton": true, "instances": 3}""");
    assertThatThrownBy(() -> Deployer.plan(Optional.of(dir), Map.of()))
        .hasMessageContaining("raft.json").hasMessageContaining("singleton");
  }

  @Test
  void badDescriptorsAreClearErrors() throws IOException {
    descriptor("x.json", "{\"name\": \"x\", \"class\": \"no.such.Verticle\"}");
    assertThatThrownBy(() -> Deployer.plan(Optional.of(dir), Map.of()))
        .hasMessageContaining("x.json").hasMessageContaining("no class no.such.Verticle");
    descriptor("x.json", "{\"name\": \"x\", \"class\": \"java.lang.String\"}");
    assertThatThrownBy(() -> Deployer.plan(Optional.of(dir), Map.of())).hasMessageContaining("not a verticle");
    descriptor("x.json", "{\"name\": \"x\", \"class\": \"dev.ferry.web.WebVerticle\", \"threading\": \"fast\"}");
    assertThatThrownBy(() -> Deployer.plan(Optional.of(dir), Map.of())).hasMessageContaining("threading");
    descriptor("x.json", "{\"name\": \"x\", ");
    assertThatThrownBy(() -> Deployer.plan(Optional.of(dir), Map.of()))
        .hasMessageContaining("x.json").hasMessageContaining("malformed JSON");
    assertThatThrownBy(() -> Deployer.plan(Optional.of(dir.resolve("nope")), Map.of()))
        .hasMessageContaining("not a directory");
  }

  @Test
  void anOverrideForAnUnknownVerticleIsAnError() {
    assertThatThrownBy(() -> Deployer.plan(Optional.empty(), Map.of("nope", 2)))
        .hasMessageContaining("no verticle named nope").hasMessageContaining("web");
  }
}
