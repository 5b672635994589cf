package dev.ferry.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.ConfigException;
import dev.ferry.core.ConfigSection;
import dev.ferry.testing.CommandRun;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code ferry users hash} and reading {@code api.users}: hashes, never passwords, and clear errors. */
class UsersTest {
  @Test
  void usersHashPrintsAHashOfThePasswordOnStdin() {
    CommandRun run = withStdin("s3cret pass\n", () -> CommandRun.of("users", "hash", "--iterations", "1000"));

    assertThat(run.code()).as(run.err()).isZero();
    String hash = run.out().trim();
    assertThat(hash).startsWith("$pbkdf2$it=1000$").doesNotContain("s3cret");
    assertThat(Passwords.verify(hash, "s3cret pass")).isTrue();
    assertThat(Passwords.verify(hash, "s3cret pas")).isFalse();
    // a new salt every time
    assertThat(withStdin("s3cret pass\n", () -> CommandRun.of("users", "hash", "--iterations", "1000")).out().trim())
        .isNotEqualTo(hash);
  }

  @Test
  void usersHashWithoutAPasswordSaysHowToGiveOne() {
    CommandRun run = withStdin("", () -> CommandRun.of("users", "hash"));

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).contains("no password on stdin");
  }

  @Test
  void apiUsersAcceptsHashesAndRolesAndRefusesTheRest() {
    String hash = Passwords.hash("pw", 1000);
    ApiUsers users = ApiUsers.from(users(new JsonObject()
        .put("alice", new JsonObject().put("password", hash).put("role", "admin"))
        .put("bob", new JsonObject().put("password", hash).put("role", "read"))));

    assertThat(users.verify("alice", "pw")).map(ApiUsers.User::role).contains(ApiUsers.Role.ADMIN);
    assertThat(users.verify("bob", "pw")).map(u -> u.role().mayChange()).contains(false);
    assertThat(users.verify("alice", "nope")).isEmpty();
    assertThat(users.verify("carol", "pw")).isEmpty();

    assertThatThrownBy(() -> ApiUsers.from(users(new JsonObject().put("alice",
        new JsonObject().put("password", "pw").put("role", "admin")))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("api.users.alice.password")
        .hasMessageContaining("ferry users hash");
    assertThatThrownBy(() -> ApiUsers.from(users(new JsonObject().put("alice",
        new JsonObject().put("password", hash).put("role", "root")))))
        .hasMessageContaining("api.users.alice.role: expected \"admin\" or \"read\", got 'root'");
    assertThatThrownBy(() -> ApiUsers.from(users(new JsonObject().put("a:b", new JsonObject().put("password", hash)))))
        .hasMessageContaining("no ':'");
  }

  private static ConfigSection users(JsonObject users) {
    return ConfigSection.of("api.users", users);
  }

  private static CommandRun withStdin(String input, java.util.function.Supplier<CommandRun> run) {
    InputStream before = System.in;
    System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
    try {
      return run.get();
    } finally {
      System.setIn(before);
    }
  }
}
