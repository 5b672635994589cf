package dev.ferry.node;

import com.hazelcast.nio.MemberSocketInterceptor;
import io.vertx.core.json.JsonArray;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proof every Hazelcast connection between nodes starts with when {@code tls} is set: before
 * Hazelcast writes or reads its first byte, each side sends its certificate, the membership address
 * it holds and a fresh nonce, then signs the other side's nonce with its key
 * ({@link MemberProof#verifies}); each side checks the other's certificate against the cluster CA,
 * that its name is a node of peers.json whose membership address is the one it claims, that the
 * connection comes from (accepting) or goes to (connecting) that address, and the signature. A
 * connection that fails is closed before Hazelcast sees it, with one ERROR line naming the remote
 * address and why (at most one a minute per remote host and reason: a refused Hazelcast retries).
 *
 * <p>Hazelcast calls it as its {@code MemberSocketInterceptor} ({@link JoinCheck}) on the raw socket,
 * in blocking mode, on its connector's and its acceptor's worker threads, for every connection of
 * the membership port; every read is bounded in size and, in all, by
 * {@code tls.connection_proof_timeout_ms}, so a silent peer holds a thread no longer. Thread-safe.
 */
final class ConnectionProof implements MemberSocketInterceptor {
  private static final Logger log = LoggerFactory.getLogger(ConnectionProof.class);
  private static final byte[] MAGIC = "ferry-hz/1\n".getBytes(StandardCharsets.US_ASCII);
  private static final String CONTEXT = "ferry hazelcast connection";
  private static final int NONCE_BYTES = 32;
  private static final int MAX_NAME_BYTES = 255;
  private static final int MAX_ADDRESS_BYTES = 300;
  private static final int MAX_CERTIFICATE_BYTES = 8192;
  private static final int MAX_SIGNATURE_BYTES = 1024;
  private static final Duration LOG_INTERVAL = Duration.ofMinutes(1);
  private static final int MAX_REMEMBERED = 1024;

  private final BusTls tls;
  private final String name;
  private final String membershipAddress;
  private final Map<String, String> peers;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Long> loggedAt = new ConcurrentHashMap<>();

  /**
   * @param membershipAddress this node's Hazelcast address, {@code host:port}
   * @param peers each peers.json node's membership address by name; empty without a peers.json
   *     (then any name of the cluster CA passes, at the address it claims)
   */
  ConnectionProof(BusTls tls, String membershipAddress, Map<String, String> peers) {
    this.tls = tls;
    this.name = BusTls.commonName(tls.certificate());
    this.membershipAddress = membershipAddress;
    this.peers = Map.copyOf(peers);
  }

  @Override
  public void init(Properties properties) {
    // configured by ferry, not by Hazelcast's properties
  }

  @Override
  public void onAccept(Socket socket) throws IOException {
    prove(socket, true);
  }

  @Override
  public void onConnect(Socket socket) throws IOException {
    prove(socket, false);
  }

  private void prove(Socket socket, boolean accepted) throws IOException {
    long deadline = System.nanoTime() + tls.connectionProofTimeout().toNanos();
    InputStream in = socket.getInputStream();
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      socket.getOutputStream().write(hello(nonce));
      socket.getOutputStream().flush();
      Hello peer = readHello(socket, in, deadline);
      Optional<String> refusal = refusal(peer, socket, accepted);
      if (refusal.isPresent()) {
        throw new Refused(refusal.get());
      }
      socket.getOutputStream().write(sized(tls.sign(payload(accepted, name, membershipAddress, nonce, peer.nonce))));
      socket.getOutputStream().flush();
      byte[] signature = read(socket, in, deadline, readLength(socket, in, deadline, MAX_SIGNATURE_BYTES, "signature"));
      if (!MemberProof.verifies(peer.certificate, payload(!accepted, peer.name, peer.address, peer.nonce, nonce),
          signature)) {
        throw new Refused("its signature over this connection's nonces is not its certificate's");
      }
      socket.setSoTimeout(0);
    } catch (Refused e) {
      throw refuse(socket, accepted, e.getMessage());
    } catch (SocketTimeoutException e) {
      throw refuse(socket, accepted, "it sent no complete proof within tls.connection_proof_timeout_ms ("
          + tls.connectionProofTimeout().toMillis() + " ms)");
    } catch (EOFException e) {
      throw refuse(socket, accepted, "it closed the connection before its proof was complete (a node without tls or "
          + "of another version, or something that is not a ferry node)");
    } catch (IOException e) {
      throw refuse(socket, accepted, "the connection failed during the proof (" + e.getMessage() + ")");
    }
  }

  /** Why the peer's hello does not prove it the node it claims at the address it claims, or empty. */
  private Optional<String> refusal(Hello peer, Socket socket, boolean accepted) {
    Optional<String> refusal = MemberProof.certificateRefusal(peer.certificate, peer.name, tls)
        .or(() -> MemberProof.validityRefusal(peer.certificate, Instant.now()));
    if (refusal.isPresent()) {
      return refusal;
    }
    if (!peers.isEmpty()) {
      String listed = peers.get(peer.name);
      if (listed == null) {
        return Optional.of("its certificate is for '" + peer.name + "', which is not a node of peers.json");
      }
      if (!MemberProof.sameAddress(listed, MemberProof.hostOf(peer.address), MemberProof.portOf(peer.address))) {
        return Optional.of("it is '" + peer.name + "' but claims the membership address " + peer.address
            + ", while peers.json has " + listed);
      }
    }
    InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
    String remoteHost = remote.getAddress().getHostAddress();
    if (accepted && !MemberProof.sameHost(MemberProof.hostOf(peer.address), remoteHost)) {
      return Optional.of("it is '" + peer.name + "' at " + peer.address + " but connects from another host, " + remoteHost);
    }
    if (!accepted && !MemberProof.sameAddress(peer.address, remoteHost, Integer.toString(remote.getPort()))) {
      return Optional.of("it is '" + peer.name + "' at " + peer.address + ", not at " + remoteHost + ":" + remote.getPort()
          + " where this node connected");
    }
    return Optional.empty();
  }

  private IOException refuse(Socket socket, boolean accepted, String reason) {
    String remote = String.valueOf(socket.getRemoteSocketAddress()).replaceFirst("^[^/]*/", "");
    String host = remote.substring(0, Math.max(0, remote.lastIndexOf(':')));
    String key = accepted + " " + host + " " + reason;
    long now = System.nanoTime();
    Long last = loggedAt.get(key);
    if (last == null || now - last >= LOG_INTERVAL.toNanos()) {
      if (loggedAt.size() >= MAX_REMEMBERED) {
        loggedAt.clear();
      }
      loggedAt.put(key, now);
      log.error("refusing the Hazelcast connection {} {}: {}; closed before any Hazelcast packet (once a minute per host "
          + "and reason)", accepted ? "from" : "to", remote, reason);
    }
    try {
      socket.close();
    } catch (IOException e) {
      // closing is all that is left to do
    }
    return new IOException("ferry node " + name + " refuses the Hazelcast connection " + (accepted ? "from " : "to ")
        + remote + ": " + reason);
  }

  private byte[] hello(byte[] nonce) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(MAGIC);
    out.write(sized(name.getBytes(StandardCharsets.UTF_8)));
    out.write(sized(membershipAddress.getBytes(StandardCharsets.UTF_8)));
    out.write(sized(tls.certificateDer()));
    out.write(nonce);
    return bytes.toByteArray();
  }

  private Hello readHello(Socket socket, InputStream in, long deadline) throws IOException {
    // byte by byte, so that a peer that sent something else (Hazelcast's "HZC") and waits is refused at once
    for (byte expected : MAGIC) {
      if (read(socket, in, deadline, 1)[0] != expected) {
        throw new Refused("it did not start with ferry's connection proof (a node without tls, or another program "
            + "speaking Hazelcast's protocol)");
      }
    }
    String peerName = utf8(read(socket, in, deadline, readLength(socket, in, deadline, MAX_NAME_BYTES, "name")));
    String address = utf8(read(socket, in, deadline, readLength(socket, in, deadline, MAX_ADDRESS_BYTES, "address")));
    byte[] der = read(socket, in, deadline, readLength(socket, in, deadline, MAX_CERTIFICATE_BYTES, "certificate"));
    byte[] nonce = read(socket, in, deadline, NONCE_BYTES);
    if (address.lastIndexOf(':') < 0) {
      throw new Refused("its proof claims the membership address '" + address + "', which is not host:port");
    }
    try {
      return new Hello(peerName, address, MemberProof.certificate(der), nonce);
    } catch (CertificateException e) {
      throw new Refused("its certificate is malformed (" + e.getMessage() + ")");
    }
  }

  private static int readLength(Socket socket, InputStream in, long deadline, int max, String what) throws IOException {
    int length = ByteBuffer.wrap(read(socket, in, deadline, 2)).getShort() & 0xffff;
    if (length == 0 || length > max) {
      throw new Refused("its proof's " + what + " is " + length + " bytes, not 1 to " + max);
    }
    return length;
  }

  /** Exactly {@code length} bytes, all of them before the deadline (never more: Hazelcast's own bytes follow). */
  private static byte[] read(Socket socket, InputStream in, long deadline, int length) throws IOException {
    byte[] bytes = new byte[length];
    int at = 0;
    while (at < length) {
      long remainingMs = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
      if (remainingMs <= 0) {
        throw new SocketTimeoutException();
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMs));
      int n = in.read(bytes, at, length - at);
      if (n < 0) {
        throw new EOFException();
      }
      at += n;
    }
    return bytes;
  }

  private static byte[] sized(byte[] bytes) {
    return ByteBuffer.allocate(2 + bytes.length).putShort((short) bytes.length).put(bytes).array();
  }

  /** What a side signs: the role it plays, who it is, where, its nonce and the other side's. */
  private static byte[] payload(boolean accepting, String signer, String address, byte[] ownNonce, byte[] peerNonce) {
    Base64.Encoder base64 = Base64.getEncoder();
    return new JsonArray().add(CONTEXT).add(accepting ? "accept" : "connect").add(signer).add(address)
        .add(base64.encodeToString(ownNonce)).add(base64.encodeToString(peerNonce)).encode()
        .getBytes(StandardCharsets.UTF_8);
  }

  private static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private record Hello(String name, String address, X509Certificate certificate, byte[] nonce) {}

  /** A proof that does not hold; its message is the reason. */
  private static final class Refused extends IOException {
    Refused(String reason) {
      super(reason);
    }
  }
}
