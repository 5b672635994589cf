package dev.ferry.core;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/** Checks on key pairs read from files (the node key, a TLS key and its certificate). Stateless. */
public final class KeyPairs {
  private static final byte[] PROBE = "ferry key check".getBytes(StandardCharsets.US_ASCII);

  private KeyPairs() {}

  /**
   * Whether {@code publicKey} belongs to {@code privateKey}: a signature made with one, by
   * {@code algorithm} (such as {@code Ed25519} or {@code SHA256withECDSA}), checks with the other. A key
   * of another algorithm than {@code algorithm} does not match.
   */
  public static boolean matches(PrivateKey privateKey, PublicKey publicKey, String algorithm) {
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(PROBE);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
