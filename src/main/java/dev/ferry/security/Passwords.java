package dev.ferry.security;

import io.vertx.ext.auth.hashing.HashingStrategy;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * Password hashes for {@code api.users}: PBKDF2 (HMAC-SHA512) with a random salt, in the PHC string
 * form of Vert.x's auth module ({@code $pbkdf2$it=N$salt$hash}), so a password is never stored.
 * Hashing and verifying are deliberately slow: call them from a worker, never an event loop.
 * Thread-safe.
 */
public final class Passwords {
  /** The default work factor of {@code ferry users hash}. */
  public static final int DEFAULT_ITERATIONS = 100_000;
  static final String PREFIX = "$pbkdf2$";
  private static final int SALT_BYTES = 16;
  private static final String ALGORITHM = "pbkdf2";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HashingStrategy HASHING = HashingStrategy.load();

  private Passwords() {}

  /** A new hash of {@code password}. */
  public static String hash(String password, int iterations) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    return HASHING.hash(ALGORITHM, Map.of("it", Integer.toString(iterations)),
        Base64.getEncoder().withoutPadding().encodeToString(salt), password);
  }

  /** Whether {@code password} is the one {@code hash} was made from. */
  public static boolean verify(String hash, String password) {
    try {
      return HASHING.verify(hash, password);
    } catch (RuntimeException e) {
      return false;   // a malformed hash matches no password; config loading refuses those
    }
  }

  /** Whether {@code text} has the form of a hash this class makes. */
  static boolean looksLikeHash(String text) {
    return text.startsWith(PREFIX) && text.split("\\$").length == 5;
  }
}
