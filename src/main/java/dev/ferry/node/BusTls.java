package dev.ferry.node;

import dev.ferry.core.ConfigException;
import dev.ferry.core.KeyPairs;
import dev.ferry.core.ConfigSection;
import dev.ferry.core.NodeConfig;
import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLEngineOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event bus's TLS, from the node's {@code tls} settings ({@code ca}, {@code cert}, {@code key};
 * {@code {name}} in a path is the node's name): client authentication required and only the
 * cluster CA trusted, so a node without a certificate of that CA cannot exchange a message.
 * Checked before the node touches the network: the files are readable, the certificate is the
 * CA's, names this node (its CN) and is valid now, and the key is its key. The same key signs the
 * node's Hazelcast member attributes ({@link MemberProof}).
 *
 * <p>{@link #checkExposure} is the {@code --insecure} guard: a node whose bus is reachable from
 * other machines does not start without TLS unless told to. Immutable and thread-safe.
 */
public final class BusTls {
  private static final Logger log = LoggerFactory.getLogger(BusTls.class);
  static final String SECTION = "tls";
  private static final String NAME_PLACEHOLDER = "{name}";

  private final Path ca;
  private final Path cert;
  private final Path key;
  private final List<X509Certificate> trusted;
  private final X509Certificate own;
  private final PrivateKey privateKey;
  private final Duration memberClockSkew;
  private final Duration connectionProofTimeout;
  private final Engine engine;

  /**
   * Which TLS implementation the bus and the circuit link use ({@code tls.engine}): BoringSSL
   * through netty-tcnative (a native library shipped in the jar for Linux x86-64 and aarch64)
   * costs about half the CPU per byte of the JDK's (docs/BENCHMARKS.md, "The cost of TLS");
   * {@code auto} takes it where it loads and falls back to the JDK's elsewhere.
   */
  public enum Engine {
    AUTO, OPENSSL, JDK;

    /** The engine a setting names; {@code auto} resolved to what loads here. */
    static Engine resolve(ConfigSection section) {
      String value = section.string("engine");
      Engine engine;
      try {
        engine = valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw section.invalid("engine", "expected \"auto\", \"openssl\" or \"jdk\", got '" + value + "'");
      }
      boolean openSsl = OpenSSLEngineOptions.isAvailable();
      if (engine == OPENSSL && !openSsl) {
        throw section.invalid("engine", "openssl, but netty-tcnative's BoringSSL does not load on this platform ("
            + OpenSsl.unavailabilityCause() + "): set it to \"auto\" or \"jdk\"");
      }
      return engine == AUTO ? (openSsl ? OPENSSL : JDK) : engine;
    }

    SSLEngineOptions options() {
      return this == OPENSSL ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
    }
  }

  private BusTls(Path ca, Path cert, Path key, List<X509Certificate> trusted, X509Certificate own,
      PrivateKey privateKey, Duration memberClockSkew, Duration connectionProofTimeout, Engine engine) {
    this.ca = ca;
    this.cert = cert;
    this.key = key;
    this.trusted = trusted;
    this.own = own;
    this.privateKey = privateKey;
    this.memberClockSkew = memberClockSkew;
    this.connectionProofTimeout = connectionProofTimeout;
    this.engine = engine;
  }

  /** The node's TLS, or empty when {@code tls.ca}, {@code tls.cert} and {@code tls.key} are all unset. */
  public static Optional<BusTls> of(NodeConfig config) {
    ConfigSection section = ConfigSection.root(config.json()).section(SECTION);
    Optional<Path> ca = path(section, "ca", config.name());
    Optional<Path> cert = path(section, "cert", config.name());
    Optional<Path> key = path(section, "key", config.name());
    if (ca.isEmpty() && cert.isEmpty() && key.isEmpty()) {
      return Optional.empty();
    }
    List<String> missing = new ArrayList<>();
    ca.ifPresentOrElse(p -> { }, () -> missing.add("tls.ca"));
    cert.ifPresentOrElse(p -> { }, () -> missing.add("tls.cert"));
    key.ifPresentOrElse(p -> { }, () -> missing.add("tls.key"));
    if (!missing.isEmpty()) {
      throw new ConfigException(String.join(", ", missing) + ": TLS needs tls.ca, tls.cert and tls.key together "
          + "(files from 'ferry certs init')");
    }
    return Optional.of(check(config.name(), ca.get(), cert.get(), key.get(), section.millis("member_clock_skew_ms"),
        section.millis("connection_proof_timeout_ms"), Engine.resolve(section)));
  }

  /**
   * Refuses a node whose event bus or membership listens beyond this machine without TLS, unless
   * {@code tls.insecure} ({@code --insecure}) says the operator knows.
   */
  public static void checkExposure(NodeConfig config, Optional<BusTls> tls) {
    String host = config.cluster().host();
    if (tls.isPresent() || isLoopback(host)) {
      return;
    }
    boolean insecure = ConfigSection.root(config.json()).section(SECTION).bool("insecure");
    if (!insecure) {
      throw new ConfigException("cluster.host: " + host + " is reachable from other machines, and tls is not set, "
          + "so anyone who reaches it could join the cluster and read its traffic. Make certificates with "
          + "'ferry certs init' and set tls.ca, tls.cert and tls.key, or pass --insecure to run without TLS");
    }
    log.warn("node {} runs its event bus on {} without TLS (--insecure): anyone who reaches it can join the cluster",
        config.name(), host);
  }

  /** Turns TLS on for the bus: this node's key and certificate, the CA only, client certificates required. */
  EventBusOptions apply(EventBusOptions options) {
    options.setSslEngineOptions(engine.options());
    return options.setSsl(true).setKeyCertOptions(keyCert()).setTrustOptions(trust()).setClientAuth(ClientAuth.REQUIRED);
  }

  /** The TLS implementation in use ({@code tls.engine}, {@code auto} resolved). */
  public Engine engine() {
    return engine;
  }

  /**
   * TLS on a node-to-node server other than the bus (the circuit link's): this node's certificate,
   * the cluster CA only, client certificates required. Which node a connection is from is checked
   * by its user against {@link #peerName}.
   */
  public NetServerOptions secure(NetServerOptions options) {
    options.setSslEngineOptions(engine.options());
    return options.setSsl(true).setKeyCertOptions(keyCert()).setTrustOptions(trust()).setClientAuth(ClientAuth.REQUIRED);
  }

  /** TLS for a client of such a server: this node's certificate, the cluster CA only; names are checked by {@link #peerName}. */
  public NetClientOptions secure(NetClientOptions options) {
    options.setSslEngineOptions(engine.options());
    return options.setSsl(true).setKeyCertOptions(keyCert()).setTrustOptions(trust()).setHostnameVerificationAlgorithm("");
  }

  /** The node name (CN) of the cluster certificate the other end of {@code socket} showed; fails when it showed none. */
  public static String peerName(NetSocket socket) {
    List<Certificate> chain;
    try {
      chain = socket.peerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      throw new IllegalStateException("it showed no certificate (" + e.getMessage() + ")", e);
    }
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate certificate)) {
      throw new IllegalStateException("it showed no certificate");
    }
    return commonName(certificate);
  }

  /** Options for a connection to another node's bus that shows its certificate ({@link CertifiedClusterManager}). */
  NetClientOptions probeOptions(int connectTimeoutMs) {
    // names are checked against the certificate's CN, not against the host connected to
    return secure(new NetClientOptions()).setConnectTimeout(connectTimeoutMs);
  }

  private PemKeyCertOptions keyCert() {
    return new PemKeyCertOptions().setKeyPath(key.toString()).setCertPath(cert.toString());
  }

  private PemTrustOptions trust() {
    return new PemTrustOptions().addCertPath(ca.toString());
  }

  /** Whether the CA of tls.ca signed {@code certificate}. */
  boolean trusts(X509Certificate certificate) {
    return trusted.stream().anyMatch(ca -> signedBy(certificate, ca));
  }

  /** The CN of a certificate's subject; the whole subject when it has none. */
  public static String commonName(X509Certificate certificate) {
    String subject = certificate.getSubjectX500Principal().getName();
    try {
      for (Rdn rdn : new LdapName(subject).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
    } catch (InvalidNameException e) {
      // fall through: say the subject as it is
    }
    return subject;
  }

  /** Signs {@code data} with this node's key (its signed member attributes, {@link MemberProof}). */
  byte[] sign(byte[] data) {
    try {
      Signature signer = Signature.getInstance(signatureAlgorithm(privateKey.getAlgorithm()));
      signer.initSign(privateKey);
      signer.update(data);
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with the key of tls.key (" + key + "): " + e.getMessage(), e);
    }
  }

  /** This node's certificate. */
  X509Certificate certificate() {
    return own;
  }

  /** This node's certificate, DER-encoded. */
  byte[] certificateDer() {
    try {
      return own.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode the certificate of tls.cert (" + cert + ")", e);
    }
  }

  /** How far in the future another member's signing time may be ({@code tls.member_clock_skew_ms}). */
  Duration memberClockSkew() {
    return memberClockSkew;
  }

  /** How long each side of a Hazelcast connection waits for the other's proof ({@code tls.connection_proof_timeout_ms}). */
  Duration connectionProofTimeout() {
    return connectionProofTimeout;
  }

  /** The signature algorithm ferry uses with a key of this algorithm ({@code EC} or {@code RSA}). */
  static String signatureAlgorithm(String keyAlgorithm) {
    return keyAlgorithm.equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
  }

  private static BusTls check(String name, Path ca, Path cert, Path key, Duration memberClockSkew,
      Duration connectionProofTimeout, Engine engine) {
    List<X509Certificate> cas = certificates("tls.ca", ca);
    X509Certificate own = certificates("tls.cert", cert).get(0);
    String cn = commonName(own);
    if (!cn.equals(name)) {
      throw new ConfigException("tls.cert: " + cert + " is the certificate of '" + cn + "', but this node is '" + name
          + "': use " + name + "'s certificate (ferry certs add " + name + ")");
    }
    try {
      own.checkValidity();
    } catch (CertificateExpiredException e) {
      throw new ConfigException("tls.cert: " + cert + " expired on " + own.getNotAfter().toInstant()
          + ": issue a new one with 'ferry certs add " + name + " --force'");
    } catch (CertificateNotYetValidException e) {
      throw new ConfigException("tls.cert: " + cert + " is valid only from " + own.getNotBefore().toInstant()
          + ": check this machine's clock");
    }
    if (cas.stream().noneMatch(c -> signedBy(own, c))) {
      throw new ConfigException("tls.cert: " + cert + " is not signed by the CA in tls.ca (" + ca
          + "): use the certificates of one 'ferry certs init'");
    }
    PrivateKey privateKey = privateKey(key);
    checkKeyMatches(privateKey, own.getPublicKey(), key, cert);
    return new BusTls(ca, cert, key, cas, own, privateKey, memberClockSkew, connectionProofTimeout, engine);
  }

  private static List<X509Certificate> certificates(String setting, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509")
          .generateCertificates(in);
      List<X509Certificate> certificates = read.stream().map(X509Certificate.class::cast).toList();
      if (certificates.isEmpty()) {
        throw new ConfigException(setting + ": " + file + " holds no certificate");
      }
      return certificates;
    } catch (IOException e) {
      throw new ConfigException(setting + ": cannot read " + file + " (" + e + ")", e);
    } catch (CertificateException e) {
      throw new ConfigException(setting + ": " + file + " is not a PEM certificate (" + e.getMessage() + ")", e);
    }
  }

  private static PrivateKey privateKey(Path file) {
    String pem;
    try {
      pem = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("tls.key: cannot read " + file + " (" + e + ")", e);
    }
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new ConfigException("tls.key: " + file + " is not a PKCS#8 PEM key (BEGIN PRIVATE KEY), as 'ferry certs' writes");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
    for (String algorithm : List.of("EC", "RSA")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new ConfigException("tls.key: " + file + " holds neither an EC nor an RSA key");
  }

  private static void checkKeyMatches(PrivateKey key, PublicKey certified, Path keyFile, Path certFile) {
    if (KeyPairs.matches(key, certified, signatureAlgorithm(key.getAlgorithm()))) {
      return;
    }
    throw new ConfigException("tls.key: " + keyFile + " is not the key of " + certFile
        + ": use the NAME.key written with NAME.crt");
  }

  /** Whether {@code certificate} carries a valid signature of {@code ca}'s key. */
  public static boolean signedBy(X509Certificate certificate, X509Certificate ca) {
    try {
      certificate.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static Optional<Path> path(ConfigSection section, String field, String name) {
    return section.optionalString(field).map(text -> Path.of(text.replace(NAME_PLACEHOLDER, name)));
  }

  private static boolean isLoopback(String host) {
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        if (!address.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      throw new ConfigException("cluster.host: cannot resolve '" + host + "': " + e.getMessage());
    }
  }
}
