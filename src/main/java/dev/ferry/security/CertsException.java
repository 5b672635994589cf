package dev.ferry.security;

/** A certificate operation that could not be done; the message names the file and the fix. */
public final class CertsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CertsException(String message) {
    super(message);
  }

  public CertsException(String message, Throwable cause) {
    super(message, cause);
  }
}
