package dev.ferry.peers;

/**
 * A peers directory could not be loaded, parsed, synced or written. The message names the file or
 * URL and, for content errors, where in it (line and column, or a path such as
 * {@code replicas[2].pid}), so it can be shown to an operator as is.
 *
 * <p>Immutable once thrown, like any exception.
 */
public class PeersException extends Exception {

  public PeersException(String message) {
    super(message);
  }

  public PeersException(String message, Throwable cause) {
    super(message, cause);
  }
}
