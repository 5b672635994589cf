package dev.ferry.core;

import dev.ferry.peers.AtomicWrite;
import dev.ferry.peers.KeyMessage;
import dev.ferry.peers.PeerId;
import dev.ferry.peers.PeersException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The node's persistent Ed25519 key and the libp2p peer ID derived from it. It lives in
 * {@code <data_dir>/node.key} as libp2p stores private keys: the protobuf {@code PrivateKey}
 * message with {@code Type} Ed25519 and {@code Data} the 32-byte private key followed by the
 * 32-byte public key (the older 96-byte form, public key twice, is read too). The file is created
 * at the node's first start, owner-only (0600), written atomically; a file that cannot be read,
 * is not such a key, or can be read by others stops the start with a message that says what to do.
 *
 * <p>Immutable and thread-safe. {@link #loadOrCreate} does blocking file I/O: call it before the
 * node's event loops run, or on a worker.
 */
public final class NodeKey {
  /** The key file's name in the data dir. */
  public static final String FILE = "node.key";
  private static final String ALGORITHM = "Ed25519";
  private static final int KEY_BYTES = PeerId.ED25519_KEY_BYTES;
  /** What precedes the 32 key bytes in the X.509 SubjectPublicKeyInfo of an Ed25519 key (RFC 8410). */
  private static final byte[] X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final byte[] seed;
  private final byte[] publicBytes;
  private final PeerId peerId;

  private NodeKey(byte[] seed, byte[] publicBytes) throws GeneralSecurityException {
    KeyFactory factory = KeyFactory.getInstance(ALGORITHM);
    this.seed = seed.clone();
    this.publicBytes = publicBytes.clone();
    this.privateKey = factory.generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
    byte[] x509 = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_BYTES);
    System.arraycopy(publicBytes, 0, x509, X509_PREFIX.length, KEY_BYTES);
    this.publicKey = factory.generatePublic(new X509EncodedKeySpec(x509));
    this.peerId = PeerId.ofEd25519(publicBytes);
  }

  /** A new random key. */
  public static NodeKey generate() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
      byte[] seed = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow();
      byte[] x509 = pair.getPublic().getEncoded();
      return new NodeKey(seed, Arrays.copyOfRange(x509, x509.length - KEY_BYTES, x509.length));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM offers no Ed25519 (Java 15 or later has it): " + e, e);
    }
  }

  /**
   * Reads a key in libp2p's {@code PrivateKey} protobuf form.
   *
   * @throws IllegalArgumentException saying why the bytes are no libp2p Ed25519 private key
   */
  public static NodeKey fromLibp2p(byte[] bytes) {
    KeyMessage message = KeyMessage.decode(bytes);
    if (message.type() != KeyMessage.ED25519) {
      throw new IllegalArgumentException("it holds a " + KeyMessage.typeName(message.type())
          + " key; a ferry node key is Ed25519");
    }
    byte[] data = message.data();
    if (data.length != 2 * KEY_BYTES && data.length != 3 * KEY_BYTES) {
      throw new IllegalArgumentException("an Ed25519 private key has " + 2 * KEY_BYTES + " bytes (private key, "
          + "then public key) or " + 3 * KEY_BYTES + " (the older form), not " + data.length);
    }
    byte[] seed = Arrays.copyOfRange(data, 0, KEY_BYTES);
    byte[] publicBytes = Arrays.copyOfRange(data, KEY_BYTES, 2 * KEY_BYTES);
    if (data.length == 3 * KEY_BYTES && !Arrays.equals(publicBytes, Arrays.copyOfRange(data, 2 * KEY_BYTES, data.length))) {
      throw new IllegalArgumentException("the two copies of the public key in the older 96-byte form differ");
    }
    NodeKey key;
    try {
      key = new NodeKey(seed, publicBytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the JDK refuses the key: " + e.getMessage(), e);
    }
    if (!key.publicKeyMatches()) {
      throw new IllegalArgumentException("its public key is not the public key of its private key");
    }
    return key;
  }

  /**
   * The key in {@code <dataDir>/node.key}, created there (0600) when the file does not exist.
   *
   * @throws ConfigException naming the file, what is wrong with it and what to do
   */
  public static NodeKey loadOrCreate(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    byte[] bytes;
    try {
      checkOwnerOnly(file);
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return create(file);
    } catch (AccessDeniedException e) {
      throw new ConfigException(file + ": the node key cannot be read (permission denied): run the node as the "
          + "file's owner, or make it theirs (chown), with chmod 600 " + file, e);
    } catch (IOException e) {
      throw new ConfigException(file + ": the node key cannot be read: " + e.getMessage(), e);
    }
    try {
      return fromLibp2p(bytes);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(file + ": not a libp2p Ed25519 private key (" + e.getMessage() + "). Restore the "
          + "file from a backup; or, to give the node a new identity, delete it: the node then makes a new key "
          + "and its peer ID changes (update its peer_id in peers.json, if set)", e);
    }
  }

  private static NodeKey create(Path file) {
    NodeKey key = generate();
    try {
      AtomicWrite.write(file, key.toLibp2p(), OWNER_ONLY);
    } catch (PeersException e) {
      throw new ConfigException("data_dir: cannot write the node key: " + e.getMessage(), e);
    }
    return key;
  }

  /** A key file that others may read is refused, as ssh refuses such a private key. */
  private static void checkOwnerOnly(Path file) throws IOException {
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return; // not a POSIX file system: its own access control applies
    }
    if (permissions.stream().anyMatch(OTHERS::contains)) {
      throw new ConfigException(file + ": the node key is accessible to others ("
          + PosixFilePermissions.toString(permissions) + "); it must be readable by its owner only: chmod 600 "
          + file);
    }
  }

  /** Whether the public key belongs to the private key. */
  private boolean publicKeyMatches() {
    return KeyPairs.matches(privateKey, publicKey, ALGORITHM);
  }

  /** The key in libp2p's {@code PrivateKey} protobuf form, as the key file holds it. */
  public byte[] toLibp2p() {
    byte[] data = Arrays.copyOf(seed, 2 * KEY_BYTES);
    System.arraycopy(publicBytes, 0, data, KEY_BYTES, KEY_BYTES);
    return new KeyMessage(KeyMessage.ED25519, data).encode();
  }

  /** The node's libp2p peer ID. */
  public PeerId peerId() {
    return peerId;
  }

  /** The Ed25519 private key, for signing (JDK algorithm name {@code Ed25519}). */
  public PrivateKey privateKey() {
    return privateKey;
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  @Override
  public String toString() {
    return "NodeKey[" + peerId + "]";
  }
}
