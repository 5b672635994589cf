package dev.ferry.security;

import dev.ferry.core.ConfigSection;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTP API's users, from {@code api.users}: {@code {"NAME": {"password": HASH, "role":
 * "admin"|"read"}}} where HASH comes from {@code ferry users hash}. No users means the API is
 * open, as it was before users existed. Immutable and thread-safe; {@link #verify} is slow
 * (PBKDF2) and belongs on a worker.
 */
public final class ApiUsers {
  /** What a user may do: {@code admin} everything, {@code read} only look ({@code GET}, {@code HEAD}). */
  public enum Role {
    ADMIN, READ;

    /** Whether this role may make a request that changes nothing ({@code false}) or one that may ({@code true}). */
    public boolean mayChange() {
      return this == ADMIN;
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One user: a name, a password hash, a role. */
  public record User(String name, String passwordHash, Role role) {
    @Override
    public String toString() {
      return name + " (" + role.label() + ")";   // never the hash
    }
  }

  private final Map<String, User> users;

  private ApiUsers(Map<String, User> users) {
    this.users = Map.copyOf(users);
  }

  /** Reads {@code api.users}; a bad entry fails with its key and what to put there. */
  public static ApiUsers from(ConfigSection users) {
    Map<String, User> read = new LinkedHashMap<>();
    for (String name : users.keys()) {
      if (name.isBlank() || name.contains(":")) {
        throw users.invalid(name, "a user name is not blank and has no ':' (HTTP basic auth splits on it)");
      }
      if (!(users.json().getValue(name) instanceof JsonObject)) {
        throw users.invalid(name, "expected {\"password\": HASH, \"role\": \"admin\" or \"read\"}");
      }
      ConfigSection user = users.section(name);
      String hash = user.optionalString("password").orElse("");
      if (!Passwords.looksLikeHash(hash)) {
        throw user.invalid("password", "expected a hash from 'ferry users hash' (" + Passwords.PREFIX
            + "...), never the password itself");
      }
      String role = user.optionalString("role").orElse("");
      Role parsed;
      try {
        parsed = Role.valueOf(role.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw user.invalid("role", "expected \"admin\" or \"read\", got '" + role + "'");
      }
      read.put(name, new User(name, hash, parsed));
    }
    return new ApiUsers(read);
  }

  /** Whether no users are configured (the API is open). */
  public boolean isEmpty() {
    return users.isEmpty();
  }

  public Optional<User> get(String name) {
    return Optional.ofNullable(users.get(name));
  }

  /** The user when {@code password} is theirs; blocking (PBKDF2). */
  public Optional<User> verify(String name, String password) {
    return get(name).filter(u -> Passwords.verify(u.passwordHash(), password));
  }
}
