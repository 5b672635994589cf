package dev.ferry.node;

import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.instance.impl.DefaultNodeExtension;
import com.hazelcast.instance.impl.Node;
import com.hazelcast.internal.cluster.impl.JoinMessage;
import com.hazelcast.internal.cluster.impl.JoinRequest;
import com.hazelcast.nio.MemberSocketInterceptor;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hazelcast's node extension with ferry's checks: with TLS, every connection of the membership port
 * first proves itself a node of peers.json with a certificate of the cluster CA
 * ({@link ConnectionProof}, Hazelcast's socket interceptor); and a master lets a member into the
 * Hazelcast cluster only when the signed attributes in its join request prove it a node of the
 * cluster CA at the address it joins from ({@link MemberProof}). A member that fails is refused
 * before it becomes a member, so it holds no partition of Vert.x's cluster maps and is sent no
 * member list, and its Hazelcast stops ("Before join check failed", with the reason); this node
 * logs one ERROR line per refused member naming its address and why. Hazelcast asks only its
 * master, which every node may become.
 *
 * <p>Installed through Hazelcast's {@code NodeContext} ({@link HazelcastMember}), the open-source
 * edition's one way to replace its node extension. Hazelcast calls {@link #validateJoinRequest}
 * on its operation threads under its cluster lock; thread-safe.
 */
final class JoinCheck extends DefaultNodeExtension {
  private static final Logger log = LoggerFactory.getLogger(JoinCheck.class);
  /** Refused members already logged; a node retries its join request every second until refused. */
  private static final int MAX_REMEMBERED = 1024;

  private final String name;
  private final BusTls tls;
  private final ConnectionProof connectionProof;
  private final Set<UUID> logged = ConcurrentHashMap.newKeySet();

  /**
   * @param name this node's name, for the refused member's log
   * @param connectionProof what every Hazelcast connection of this node proves first
   */
  JoinCheck(Node node, String name, BusTls tls, ConnectionProof connectionProof) {
    super(node);
    this.name = name;
    this.tls = tls;
    this.connectionProof = connectionProof;
  }

  /**
   * The connection proof, which open-source Hazelcast runs on every connection of the membership
   * port before its own protocol (its {@code TcpServerContext.interceptSocket}, called by the
   * acceptor and the connector when the socket interceptor is enabled in the configuration, as
   * {@link HazelcastSetup} does with TLS); Hazelcast's own extension offers none.
   */
  @Override
  public MemberSocketInterceptor getSocketInterceptor(EndpointQualifier endpoint) {
    return connectionProof;
  }

  @Override
  public void validateJoinRequest(JoinMessage message) {
    super.validateJoinRequest(message);   // Hazelcast's own check of the member's version
    if (!(message instanceof JoinRequest request)) {
      return;
    }
    Optional<String> refusal = MemberProof.refusal(request.getAttributes(), request.getAddress(), tls, Instant.now());
    if (refusal.isEmpty()) {
      return;
    }
    if (logged.size() >= MAX_REMEMBERED) {
      logged.clear();
    }
    if (logged.add(request.getUuid())) {
      log.error("refusing the Hazelcast member at {} (member {}, claims to be '{}') as it joins: {}; it is not part of "
          + "the cluster", request.getAddress(), request.getUuid(), request.getAttributes().get(HazelcastSetup.ATTR_NAME),
          refusal.get());
    }
    // Hazelcast sends this message to the refused member, whose log then says why it could not join
    throw new SecurityException("ferry node " + name + " refuses this member: " + refusal.get() + ". A node joins "
        + "only with tls.ca set to the cluster's CA and tls.cert to a certificate of that CA for its own name");
  }
}
