package dev.ferry.ctl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ctl health graph}: the cluster's connectivity ({@code api.ConnectGraph}) as the Graphviz
 * dot file ipfs-cluster-ctl writes: cluster peers as orange boxes (the contacted one with a double
 * border, trusted ones named {@code T<n>}), IPFS daemons as turquoise cylinders (a red "Errored"
 * one for a peer whose daemon did not answer), then the edges among peers, from each peer to its
 * daemon (dotted when it has none), and among daemons. Nodes are numbered in sorted peer ID order,
 * so the same graph always gives the same file. Stateless.
 */
final class Dot {
  private final StringBuilder out = new StringBuilder();
  private final Map<String, String> clusterNodes = new LinkedHashMap<>();
  private final Map<String, String> ipfsNodes = new LinkedHashMap<>();
  private final JsonObject names;

  private Dot(JsonObject graph) {
    this.names = object(graph, "id_to_peername");
  }

  /** The dot file of {@code graph}; {@code allIpfs} also draws swarm peers that are no cluster peer's daemon. */
  static String of(JsonObject graph, boolean allIpfs) {
    return new Dot(graph).write(graph, allIpfs);
  }

  private String write(JsonObject graph, boolean allIpfs) {
    String self = Formats.string(graph, "cluster_id");
    JsonObject trust = object(graph, "cluster_trust_links");
    Map<String, List<String>> clusterEdges = links(object(graph, "cluster_links"));
    JsonObject clusterToIpfs = object(graph, "cluster_to_ipfs");
    Map<String, List<String>> ipfsLinks = links(object(graph, "ipfs_links"));
    Map<String, List<String>> ipfsEdges = new TreeMap<>();
    ipfsLinks.forEach((k, v) -> {
      List<String> kept = ipfsEdges.computeIfAbsent(k, x -> new ArrayList<>());
      kept.clear();
      for (String id : v) {
        if (ipfsLinks.containsKey(id) || allIpfs) {
          kept.add(id);
        }
        if (allIpfs) {
          ipfsEdges.computeIfAbsent(id, x -> new ArrayList<>());
        }
      }
    });

    out.append("digraph cluster {\n");
    line("/* The nodes of the connectivity graph */");
    line("/* The cluster-service peers */");
    out.append("subgraph  {\nrank=\"min\"\n");
    for (String k : clusterEdges.keySet()) {
      String id = k.equals(self) ? "C" + clusterNodes.size() : Boolean.TRUE.equals(trust.getValue(k))
          ? "T" + clusterNodes.size() : "C" + clusterNodes.size();
      String color = k.equals(self) || Boolean.TRUE.equals(trust.getValue(k)) ? "orange" : "darkorange3";
      clusterNodes.put(k, id);
      vertex(id, label(Formats.string(names, k), shorten(k)), k, color, "box3d", k.equals(self) ? 2 : 0);
    }
    out.append("}\n");
    line("");
    line("/* The ipfs peers */");
    out.append("subgraph  {\nrank=\"max\"\n");
    for (String k : ipfsEdges.keySet()) {
      String id = "I" + ipfsNodes.size();
      ipfsNodes.put(k, id);
      vertex(id, label("IPFS", shorten(k)), k, "turquoise3", "cylinder", 0);
    }
    for (String k : clusterEdges.keySet()) {
      if (!clusterToIpfs.containsKey(k)) {
        String id = "I" + ipfsNodes.size();
        ipfsNodes.put(k, id);
        vertex(id, label("IPFS", "Errored"), k, "firebrick1", "cylinder", 0);
      }
    }
    out.append("}\n");
    line("");
    line("/* Edges representing active connections in the cluster */");
    line("/* The connections among cluster-service peers */");
    clusterEdges.forEach((k, v) -> v.stream().filter(clusterNodes::containsKey)
        .forEach(id -> edge(clusterNodes.get(k), clusterNodes.get(id), "")));
    line("");
    line("/* The connections between cluster peers and their ipfs daemons */");
    for (String k : clusterEdges.keySet()) {
      String daemon = Formats.string(clusterToIpfs, k);
      if (daemon.isEmpty() && ipfsNodes.containsKey(k)) {
        edge(clusterNodes.get(k), ipfsNodes.get(k), "dotted");
      } else if (ipfsNodes.containsKey(daemon)) {
        edge(clusterNodes.get(k), ipfsNodes.get(daemon), "");
      }
    }
    line("");
    line("/* The swarm peer connections among ipfs daemons in the cluster */");
    ipfsEdges.forEach((k, v) -> v.stream().filter(ipfsNodes::containsKey)
        .forEach(id -> edge(ipfsNodes.get(k), ipfsNodes.get(id), "")));
    return out.append('}').toString();
  }

  private void vertex(String id, String label, String group, String color, String shape, int peripheries) {
    out.append(id).append(" [label=").append(label).append(" group=\"").append(group).append("\" color=\"")
        .append(color).append("\" style=\"filled\" colorscheme=\"x11\" fontcolor=\"black\" fontname=\"Arial\" shape=\"")
        .append(shape).append("\" ");
    if (peripheries != 0) {
      out.append("peripheries=\"").append(peripheries).append("\" ");
    }
    out.append("]\n");
  }

  private void edge(String from, String to, String style) {
    out.append(from).append(" -> ").append(to);
    if (!style.isEmpty()) {
      out.append(" [ style=\"").append(style).append("\" ]");
    }
    out.append('\n');
  }

  private void line(String text) {
    out.append(text).append('\n');
  }

  private static String label(String name, String id) {
    return "< <B> " + name + " </B> <BR/> <B> " + id + " </B> >";
  }

  /** A peer ID as the graph labels it: its first two characters, a star, its last six. */
  private static String shorten(String id) {
    return id.length() < 8 ? id : id.substring(0, 2) + "*" + id.substring(id.length() - 6);
  }

  /** A map of peer ID to peer IDs, by sorted key, each list in the order given. */
  private static Map<String, List<String>> links(JsonObject map) {
    Map<String, List<String>> links = new TreeMap<>();
    for (String k : map.fieldNames()) {
      List<String> to = new ArrayList<>();
      if (map.getValue(k) instanceof JsonArray ids) {
        ids.forEach(id -> to.add(String.valueOf(id)));
      }
      links.put(k, to);
    }
    return links;
  }

  private static JsonObject object(JsonObject json, String key) {
    return json.getValue(key) instanceof JsonObject o ? o : new JsonObject();
  }
}
