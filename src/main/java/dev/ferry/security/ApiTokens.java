package dev.ferry.security;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;

/**
 * API tokens as IPFS Cluster issues them: {@code POST /token} gives a JWT (HS256, Vert.x's
 * {@code vertx-auth-jwt}) naming the user, valid for {@code api.token_ttl_seconds}; the signing
 * key is random, made once per node and kept in the data directory ({@value #KEY_FILE}, 0600), so
 * tokens outlive a restart and a token of one node is not valid on another.
 *
 * <p>Thread-safe once loaded; {@link #load} does file I/O on a worker.
 */
public final class ApiTokens {
  public static final String KEY_FILE = "api-token.key";
  private static final String ALGORITHM = "HS256";
  private static final String ISSUER = "ferry";
  private static final int KEY_BYTES = 32;

  private final JWTAuth jwt;
  private final Duration ttl;

  private ApiTokens(JWTAuth jwt, Duration ttl) {
    this.jwt = jwt;
    this.ttl = ttl;
  }

  /** Reads the node's signing key from {@code dataDir}, making it first if there is none. */
  public static Future<ApiTokens> load(Vertx vertx, Path dataDir, Duration ttl) {
    return vertx.executeBlocking(() -> {
      String secret = secret(dataDir.resolve(KEY_FILE));
      JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions()
          .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(secret))
          .setJWTOptions(new JWTOptions().setIssuer(ISSUER)));
      return new ApiTokens(jwt, ttl);
    }, false);
  }

  /** A token for {@code user}. */
  public String issue(ApiUsers.User user) {
    return jwt.generateToken(new JsonObject().put("sub", user.name()),
        new JWTOptions().setAlgorithm(ALGORITHM).setIssuer(ISSUER).setExpiresInSeconds((int) ttl.toSeconds()));
  }

  /** How long a token is valid. */
  public Duration ttl() {
    return ttl;
  }

  /** The user name in a valid token; fails for an expired, tampered or foreign token. */
  public Future<String> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token)).map(user -> user.principal().getString("sub"));
  }

  /**
   * The key in {@code file}, made first if there is none. Several instances may start at once: the
   * key is written whole into a temporary file that is then hard-linked to its name, which fails if
   * another instance got there first, so nobody ever reads a half-written key.
   */
  private static String secret(Path file) throws IOException {
    if (Files.exists(file)) {
      return existing(file);
    }
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    String fresh = Base64.getEncoder().encodeToString(key);
    Files.createDirectories(file.getParent());
    Path temporary = Files.createTempFile(file.getParent(), "." + KEY_FILE + ".", ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(temporary, fresh, StandardCharsets.US_ASCII);
      Files.createLink(file, temporary);
      return fresh;
    } catch (FileAlreadyExistsException e) {
      return existing(file);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  private static String existing(Path file) throws IOException {
    String key = Files.readString(file, StandardCharsets.US_ASCII).trim();
    if (key.isEmpty()) {
      throw new IOException(file + " is empty: delete it and restart to make a new token key "
          + "(tokens issued before stop working)");
    }
    return key;
  }
}
