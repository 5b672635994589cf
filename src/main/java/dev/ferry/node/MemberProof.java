package dev.ferry.node;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import io.vertx.core.json.JsonArray;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.Optional;

/**
 * Signed Hazelcast member attributes, which make membership unforgeable although Hazelcast itself
 * has no TLS: a node with {@code tls} signs (name, incarnation, event-bus address, membership
 * address, time) with its certificate's key and puts the signature and its certificate (base64
 * DER, about 600 characters for EC P-256, far below Hazelcast's attribute limits) into its member
 * attributes. The master checks a joining member's against the cluster CA ({@link #refusal})
 * before it lets it in ({@link JoinCheck}); every node checks each member again before it counts
 * it as a member ({@link ClusterMembers}).
 *
 * <p>What the signature proves: the holder of a certificate of the cluster CA for that name made
 * these attributes for a member at that membership address. It does not prove that the Hazelcast
 * member showing them is that holder (the attributes can be copied), but a copy passes only at the
 * signed membership address, which the genuine node holds while it runs. Stateless and thread-safe.
 */
final class MemberProof {
  static final String ATTR_CERT = "ferry.cert";
  static final String ATTR_SIGNATURE = "ferry.signature";
  static final String ATTR_SIGNED_AT = "ferry.signed_at";
  static final String ATTR_BUS = "ferry.bus";
  static final String ATTR_MEMBERSHIP = "ferry.membership";

  private MemberProof() {}

  /**
   * The attributes a node with TLS adds to its member attributes.
   *
   * @param busAddress its event bus's {@code host:port}
   * @param membershipAddress its Hazelcast member address, {@code host:port}
   */
  static Map<String, String> attributes(BusTls tls, String name, String incarnation, String busAddress,
      String membershipAddress, Instant at) {
    String signedAt = Long.toString(at.toEpochMilli());
    byte[] signature = tls.sign(payload(name, incarnation, busAddress, membershipAddress, signedAt));
    Base64.Encoder base64 = Base64.getEncoder();
    return Map.of(ATTR_CERT, base64.encodeToString(tls.certificateDer()),
        ATTR_SIGNATURE, base64.encodeToString(signature),
        ATTR_SIGNED_AT, signedAt,
        ATTR_BUS, busAddress,
        ATTR_MEMBERSHIP, membershipAddress);
  }

  /** Why {@code member} is not a node of this cluster, or empty when its attributes prove it is (see the other form). */
  static Optional<String> refusal(Member member, BusTls tls, Instant now) {
    return refusal(member.getAttributes(), member.getAddress(), tls, now);
  }

  /**
   * Why the member at {@code address} showing {@code attributes} is not a node of this cluster, or
   * empty when they prove it is: its certificate chains to tls.ca, is valid now and was when it
   * signed, its CN is the name it claims, its signature over its attributes is valid, the signing
   * time is not later than now plus {@code tls.member_clock_skew_ms}, {@code address} is its signed
   * membership address, and its signed bus address is on the same host.
   */
  static Optional<String> refusal(Map<String, String> attributes, Address address, BusTls tls, Instant now) {
    String name = attributes.get(HazelcastSetup.ATTR_NAME);
    String incarnation = attributes.get(HazelcastSetup.ATTR_INCARNATION);
    String encoded = attributes.get(ATTR_CERT);
    String signature = attributes.get(ATTR_SIGNATURE);
    String signedAt = attributes.get(ATTR_SIGNED_AT);
    String bus = attributes.get(ATTR_BUS);
    String membership = attributes.get(ATTR_MEMBERSHIP);
    if (name == null || incarnation == null) {
      return Optional.of("it is not a ferry node (no ferry name or incarnation in its member attributes)");
    }
    if (encoded == null || signature == null || signedAt == null || bus == null || membership == null) {
      return Optional.of("it shows no signed member attributes (no certificate, or runs without tls)");
    }
    X509Certificate certificate;
    byte[] signatureBytes;
    Instant signed;
    try {
      certificate = certificate(Base64.getDecoder().decode(encoded));
      signatureBytes = Base64.getDecoder().decode(signature);
      signed = Instant.ofEpochMilli(Long.parseLong(signedAt));
    } catch (CertificateException | IllegalArgumentException e) {
      return Optional.of("its member attributes are malformed (" + e.getMessage() + ")");
    }
    Optional<String> refused = certificateRefusal(certificate, name, tls);
    if (refused.isPresent()) {
      return refused;
    }
    if (signed.isAfter(now.plus(tls.memberClockSkew()))) {
      return Optional.of("it signed its attributes at " + signed + ", later than now (" + now + ") plus "
          + "tls.member_clock_skew_ms: check the clocks");
    }
    refused = validityRefusal(certificate, signed, now);
    if (refused.isPresent()) {
      return refused;
    }
    if (!verifies(certificate, payload(name, incarnation, bus, membership, signedAt), signatureBytes)) {
      return Optional.of("the signature over its member attributes is not its certificate's");
    }
    if (!sameAddress(membership, address.getHost(), Integer.toString(address.getPort()))) {
      return Optional.of("it signed its attributes for the membership address " + membership + ", not for "
          + address.getHost() + ":" + address.getPort() + " where it is");
    }
    if (!sameHost(hostOf(bus), address.getHost())) {
      return Optional.of("its signed bus address " + bus + " is not on its membership host " + address.getHost());
    }
    return Optional.empty();
  }

  /**
   * Why {@code certificate} is not a certificate of the cluster CA for {@code claimedName}, or empty
   * when it is (the signed member attributes and the Hazelcast connection proof, {@link ConnectionProof}).
   */
  static Optional<String> certificateRefusal(X509Certificate certificate, String claimedName, BusTls tls) {
    if (!tls.trusts(certificate)) {
      return Optional.of("its certificate is not signed by the cluster CA");
    }
    String cn = BusTls.commonName(certificate);
    if (!cn.equals(claimedName)) {
      return Optional.of("it claims to be '" + claimedName + "' but its certificate is for '" + cn + "'");
    }
    return Optional.empty();
  }

  /** Why {@code certificate} is not valid at each of {@code times}, or empty when it is. */
  static Optional<String> validityRefusal(X509Certificate certificate, Instant... times) {
    for (Instant at : times) {
      try {
        certificate.checkValidity(Date.from(at));
      } catch (CertificateException e) {
        return Optional.of("its certificate is not valid at " + at + " (valid " + certificate.getNotBefore().toInstant()
            + " to " + certificate.getNotAfter().toInstant() + ")");
      }
    }
    return Optional.empty();
  }

  /** A certificate from its DER encoding. */
  static X509Certificate certificate(byte[] der) throws CertificateException {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (ClassCastException e) {
      throw new CertificateException("not an X.509 certificate", e);
    }
  }

  /** What is signed; a JSON array, so that no field can run into the next. */
  private static byte[] payload(String name, String incarnation, String busAddress, String membershipAddress,
      String signedAt) {
    return new JsonArray().add(name).add(incarnation).add(busAddress).add(membershipAddress).add(signedAt).encode()
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Whether {@code signature} is {@code certificate}'s key's over {@code payload}. */
  static boolean verifies(X509Certificate certificate, byte[] payload, byte[] signature) {
    try {
      Signature verifier = Signature.getInstance(BusTls.signatureAlgorithm(certificate.getPublicKey().getAlgorithm()));
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(payload);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  static String hostOf(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return colon < 0 ? hostPort : hostPort.substring(0, colon);
  }

  static String portOf(String hostPort) {
    return hostPort.substring(hostPort.lastIndexOf(':') + 1);
  }

  /** Whether {@code hostPort} is {@code port} on {@code host} (the port compared first: no lookup when it differs). */
  static boolean sameAddress(String hostPort, String host, String port) {
    return portOf(hostPort).equals(port) && sameHost(hostOf(hostPort), host);
  }

  /** Whether two host names or addresses share an address (this runs on Hazelcast's threads, which may resolve). */
  static boolean sameHost(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    try {
      InetAddress[] left = InetAddress.getAllByName(a);
      InetAddress[] right = InetAddress.getAllByName(b);
      return Arrays.stream(left).anyMatch(l -> Arrays.asList(right).contains(l));
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
