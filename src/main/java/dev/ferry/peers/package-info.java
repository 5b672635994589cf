/**
 * The cluster's static membership: a {@code peers.json} file with one entry per replica.
 *
 * <p>{@link dev.ferry.peers.Peers} loads the file from the standard locations, validates it
 * all-or-nothing, answers "which replica am I" ({@code local}, {@code localhost}), writes it back
 * atomically and fetches it from a URL. {@link dev.ferry.peers.PeersCommand} is the {@code peers}
 * CLI. Plain Java and Jackson only: no Vert.x here, so the CLI works without a running node.
 *
 * <p>Semantics follow the Go package {@code github.com/bbengfort/peers} with these fixes: host
 * names compare by their first DNS label on both sides, case-insensitively; a file that exists but
 * is bad is an error rather than silently skipped; unknown fields survive a load/dump round trip.
 */
package dev.ferry.peers;
