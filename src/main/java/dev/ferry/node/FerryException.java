package dev.ferry.node;

/**
 * The one failure type that crosses the event bus or HTTP: a short machine-readable code and a
 * message for people that says what was wrong and, where useful, what to do.
 *
 * <p>Immutable and thread-safe. HTTP maps codes to statuses in one place ({@link #httpStatus()}).
 */
public final class FerryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public static final String BAD_REQUEST = "bad-request";
  public static final String NOT_FOUND = "not-found";
  public static final String METHOD_NOT_ALLOWED = "method-not-allowed";
  public static final String TOO_LARGE = "too-large";
  public static final String TIMEOUT = "timeout";
  public static final String UNAVAILABLE = "unavailable";
  public static final String INTERNAL = "internal";

  private final String code;

  public FerryException(String code, String message) {
    super(message);
    this.code = code;
  }

  public FerryException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public static FerryException badRequest(String message) {
    return new FerryException(BAD_REQUEST, message);
  }

  public static FerryException notFound(String message) {
    return new FerryException(NOT_FOUND, message);
  }

  /** The short code, such as {@code bad-request} or {@code no-leader}. */
  public String code() {
    return code;
  }

  /** The HTTP status that carries this code. */
  public int httpStatus() {
    return switch (code) {
      case BAD_REQUEST -> 400;
      case NOT_FOUND -> 404;
      case METHOD_NOT_ALLOWED -> 405;
      case TOO_LARGE -> 413;
      case TIMEOUT -> 504;
      case UNAVAILABLE, "no-leader" -> 503;
      default -> 500;
    };
  }
}
