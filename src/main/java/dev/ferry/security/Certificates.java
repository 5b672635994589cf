package dev.ferry.security;

import dev.ferry.node.BusTls;
import dev.ferry.peers.Peer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's certificates, as reign_init makes them: a cluster CA and, per node, a key and a
 * certificate signed by it whose CN is the node's name and whose subject alternative names are
 * the node's addresses. EC P-256 keys, SHA-256 ECDSA signatures, PEM files {@code ca.crt},
 * {@code ca.key}, {@code NAME.crt}, {@code NAME.key} in one directory; keys are mode 0600.
 * Nothing is overwritten unless asked ({@code force}), and nothing is written when a check fails.
 *
 * <p>Stateless and thread-safe; file I/O blocks, so call it from a command or a worker.
 */
public final class Certificates {
  public static final String CA_CERT = "ca.crt";
  public static final String CA_KEY = "ca.key";
  /** How long a certificate is valid unless told otherwise: two years. */
  public static final int DEFAULT_VALIDITY_DAYS = 730;
  /** A certificate is valid from a little before it is made, so a peer's clock that lags a bit accepts it. */
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
  private static final String CURVE = "secp256r1";
  private static final String SIGNATURE = "SHA256withECDSA";
  private static final String CA_COMMON_NAME = "ferry cluster CA";
  private static final int SERIAL_BITS = 128;
  private static final String NAME_PATTERN = "[A-Za-z0-9_-]+";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Certificates() {}

  /**
   * Who a node certificate is for: the node's name (its CN) and the names and addresses a peer may
   * reach it by (its subject alternative names).
   */
  public record NodeIdentity(String name, List<String> dnsNames, List<String> ipAddresses) {
    public NodeIdentity {
      if (name == null || !name.matches(NAME_PATTERN)) {
        throw new CertsException("'" + name + "' cannot name a node: use letters, digits, '-' and '_'");
      }
      dnsNames = List.copyOf(dnsNames);
      ipAddresses = List.copyOf(ipAddresses);
      for (String ip : ipAddresses) {
        if (!isIpLiteral(ip)) {
          throw new CertsException(name + ": ip_address '" + ip + "' is not an IP address");
        }
      }
    }

    /** A node on this machine only: {@code localhost} and {@code 127.0.0.1}. */
    public static NodeIdentity local(String name) {
      return new NodeIdentity(name, List.of("localhost"), List.of("127.0.0.1"));
    }

    /**
     * A node of peers.json: its {@code ip_address}, {@code hostname} and DNS name
     * ({@code hostname.domain}); also {@code localhost}/{@code 127.0.0.1} when it lives on
     * loopback or on the machine called {@code machineHostname}.
     */
    public static NodeIdentity of(Peer peer, String machineHostname) {
      Set<String> dns = new LinkedHashSet<>();
      Set<String> ips = new LinkedHashSet<>();
      if (!peer.ipAddress().isEmpty()) {
        ips.add(peer.ipAddress());
      }
      if (!peer.hostname().isEmpty()) {
        dns.add(peer.hostname());
      }
      String endpoint = peer.endpoint(true);
      String dnsName = endpoint.substring(0, endpoint.lastIndexOf(':')).replace("[", "").replace("]", "");
      if (!dnsName.isEmpty() && !isIpLiteral(dnsName)) {
        dns.add(dnsName);
      }
      boolean loopback = ips.stream().anyMatch(Certificates::isLoopback);
      boolean thisMachine = peer.hostname().equalsIgnoreCase("localhost")
          || (!machineHostname.isEmpty() && peer.hostname().equalsIgnoreCase(machineHostname));
      if (loopback || thisMachine) {
        dns.add("localhost");
        ips.add("127.0.0.1");
      }
      return new NodeIdentity(peer.name(), new ArrayList<>(dns), new ArrayList<>(ips));
    }
  }

  /**
   * Makes a new cluster CA and a certificate for each node in {@code dir} (created if missing).
   *
   * @return the files written, CA first
   */
  public static List<Path> init(Path dir, List<NodeIdentity> nodes, Duration validity, boolean force) {
    if (nodes.isEmpty()) {
      throw new CertsException("no nodes to make certificates for: pass --nodes a,b,c or --from-peers FILE");
    }
    List<Path> files = new ArrayList<>(List.of(dir.resolve(CA_CERT), dir.resolve(CA_KEY)));
    Set<String> seen = new LinkedHashSet<>();
    for (NodeIdentity node : nodes) {
      if (!seen.add(node.name())) {
        throw new CertsException("node '" + node.name() + "' is named twice");
      }
      files.addAll(nodeFiles(dir, node.name()));
    }
    refuseExisting(files, force);
    createDirectory(dir);
    KeyPair caKeys = newKeyPair();
    X500Name caName = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, CA_COMMON_NAME).build();
    var authority = new Authority(sign(caAuthorityBuilder(caName, caKeys.getPublic(), validity), caKeys.getPrivate()),
        caKeys.getPrivate());
    Pem.writeCertificate(dir.resolve(CA_CERT), Pem.encode(authority.certificate()), force);
    Pem.writeKey(dir.resolve(CA_KEY), Pem.encode(authority.key()), force);
    for (NodeIdentity node : nodes) {
      issue(dir, authority, node, validity, force);
    }
    return files;
  }

  /**
   * Issues a certificate for one more node with the CA in {@code dir} ({@code ca.crt} and
   * {@code ca.key} must be there).
   *
   * @return the files written, certificate first
   */
  public static List<Path> add(Path dir, NodeIdentity node, Duration validity, boolean force) {
    List<Path> files = nodeFiles(dir, node.name());
    refuseExisting(files, force);
    issue(dir, loadAuthority(dir), node, validity, force);
    return files;
  }

  /**
   * What a certificate says, in a few lines: its CN, addresses, issuer, validity and, when the CA
   * certificate is given, whether it is signed by that CA.
   */
  public static List<String> describe(Path certificate, Optional<Path> caCertificate, Instant now) {
    X509Certificate cert = Pem.readCertificate(certificate);
    List<String> lines = new ArrayList<>();
    lines.add(certificate + ": " + commonName(cert));
    lines.add("  names:     " + String.join(", ", subjectAlternativeNames(cert)));
    lines.add("  issuer:    " + issuer(cert));
    Instant notAfter = cert.getNotAfter().toInstant();
    long daysLeft = Duration.between(now, notAfter).toDays();
    String state = now.isAfter(notAfter) ? "EXPIRED"
        : now.isBefore(cert.getNotBefore().toInstant()) ? "NOT YET VALID" : "expires in " + daysLeft + " days";
    lines.add("  valid:     " + cert.getNotBefore().toInstant() + " .. " + notAfter + " (" + state + ")");
    caCertificate.ifPresent(caFile -> lines.add("  signed by " + caFile + ": "
        + (signedBy(cert, Pem.readCertificate(caFile)) ? "yes" : "NO, a peer trusting this CA refuses it")));
    return lines;
  }

  /** The CN of a certificate's subject. */
  public static String commonName(X509Certificate certificate) {
    return BusTls.commonName(certificate);
  }

  /** Whether {@code certificate} carries a valid signature of {@code ca}'s key. */
  public static boolean signedBy(X509Certificate certificate, X509Certificate ca) {
    return BusTls.signedBy(certificate, ca);
  }

  private static String issuer(X509Certificate cert) {
    String issuer = cert.getIssuerX500Principal().getName();
    return issuer.startsWith("CN=") ? issuer.substring("CN=".length()).split(",")[0] : issuer;
  }

  private static List<String> subjectAlternativeNames(X509Certificate cert) {
    try {
      Collection<List<?>> names = cert.getSubjectAlternativeNames();
      if (names == null) {
        return List.of("(none)");
      }
      return names.stream().map(n -> ((Integer) n.get(0) == GeneralName.iPAddress ? "IP:" : "DNS:") + n.get(1)).toList();
    } catch (CertificateParsingException e) {
      return List.of("(unreadable: " + e.getMessage() + ")");
    }
  }

  private record Authority(X509Certificate certificate, PrivateKey key) {}

  private static Authority loadAuthority(Path dir) {
    Path certFile = dir.resolve(CA_CERT);
    Path keyFile = dir.resolve(CA_KEY);
    X509Certificate cert = Pem.readCertificate(certFile);
    PrivateKey key;
    try {
      key = Pem.readKey(keyFile);
    } catch (CertsException e) {
      throw new CertsException(e.getMessage() + ". Issuing a certificate needs the CA key: run this where "
          + CA_KEY + " is (it is not needed on the nodes)", e);
    }
    X509Certificate probe = sign(caAuthorityBuilder(new X500Name("CN=probe"), cert.getPublicKey(), Duration.ofMinutes(1)),
        key);
    if (!signedBy(probe, cert)) {
      throw new CertsException(keyFile + " is not the key of " + certFile + ": use the pair from one 'ferry certs init'");
    }
    return new Authority(cert, key);
  }

  private static void issue(Path dir, Authority authority, NodeIdentity node, Duration validity, boolean force) {
    KeyPair keys = newKeyPair();
    try {
      var utils = new JcaX509ExtensionUtils();
      X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, node.name()).build();
      Instant now = Instant.now();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(authority.certificate(), serial(),
          Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(validity)), subject, keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false,
              utils.createAuthorityKeyIdentifier(authority.certificate()));
      List<GeneralName> names = new ArrayList<>();
      node.dnsNames().forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
      node.ipAddresses().forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
      if (!names.isEmpty()) {
        builder.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(names.toArray(GeneralName[]::new)));
      }
      X509Certificate cert = sign(builder, authority.key());
      Pem.writeCertificate(dir.resolve(node.name() + ".crt"), Pem.encode(cert), force);
      Pem.writeKey(dir.resolve(node.name() + ".key"), Pem.encode(keys.getPrivate()), force);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new CertsException("cannot make the certificate of " + node.name() + ": " + e.getMessage(), e);
    }
  }

  private static X509v3CertificateBuilder caAuthorityBuilder(X500Name name, PublicKey key, Duration validity) {
    Instant now = Instant.now();
    try {
      return new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(validity)),
          name, key)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(key));
    } catch (GeneralSecurityException | CertIOException e) {
      throw new CertsException("cannot make the CA certificate: " + e.getMessage(), e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) {
    try {
      return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new CertsException("cannot sign with the CA key: " + e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec(CURVE), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new CertsException("this JVM cannot make EC P-256 keys: " + e.getMessage(), e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(SERIAL_BITS, RANDOM);
  }

  private static List<Path> nodeFiles(Path dir, String name) {
    return List.of(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
  }

  private static void refuseExisting(List<Path> files, boolean force) {
    List<String> existing = files.stream().filter(Files::exists).map(Path::toString).toList();
    if (!force && !existing.isEmpty()) {
      throw new CertsException("would overwrite " + String.join(", ", existing) + ": pass --force to replace "
          + (existing.size() == 1 ? "it" : "them"));
    }
  }

  private static void createDirectory(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new CertsException(dir + ": cannot create the directory: " + e.getMessage(), e);
    }
  }

  private static boolean isIpLiteral(String text) {
    boolean shaped = text.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || text.contains(":") && text.matches("[0-9A-Fa-f:.]+");
    try {
      return shaped && InetAddress.getByName(text) != null;   // a literal: no lookup
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean isLoopback(String ip) {
    try {
      return InetAddress.getByName(ip).isLoopbackAddress();   // a literal: no lookup
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
