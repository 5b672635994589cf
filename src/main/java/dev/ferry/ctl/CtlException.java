package dev.ferry.ctl;

/**
 * A failure {@code ferry ctl} reports as one line on stderr with exit code 1: the node's error
 * message, a node that cannot be reached, a file that cannot be read, a pin that failed.
 */
final class CtlException extends Exception {
  private static final long serialVersionUID = 1L;

  CtlException(String message) {
    super(message);
  }

  CtlException(String message, Throwable cause) {
    super(message, cause);
  }
}
