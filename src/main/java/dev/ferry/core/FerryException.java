package dev.ferry.core;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.function.Supplier;

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
  /** The caller may not do this, whoever it is (403). */
  public static final String FORBIDDEN = "forbidden";
  public static final String METHOD_NOT_ALLOWED = "method-not-allowed";
  public static final String TOO_LARGE = "too-large";
  public static final String TIMEOUT = "timeout";
  public static final String UNAVAILABLE = "unavailable";
  public static final String INTERNAL = "internal";
  /** What ferry does not do (yet) although the API it follows has it: 501. */
  public static final String NOT_IMPLEMENTED = "not-implemented";
  /** The disk under the node's data dir is full; the message names the data dir. HTTP 507. */
  public static final String STORAGE_FULL = "storage-full";
  /** The node cannot read or write its data dir (an I/O error); the message names it. HTTP 503. */
  public static final String STORAGE_ERROR = "storage-error";

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

  /**
   * Answers a bus request with this failure: the failure code is {@link #httpStatus()} and the
   * message is {@code "<code>: <message>"}, so Java callers get the code back with
   * {@link #from(Throwable)} and bridge clients can split it at the first {@code ": "}.
   */
  public void failReply(Message<?> request) {
    request.fail(httpStatus(), code + ": " + getMessage());
  }

  /**
   * The FerryException behind a failure: itself, one decoded from a bus reply sent by
   * {@link #failReply}, a {@code timeout} or {@code unavailable} for the bus's own failures, or
   * {@code internal} for anything else.
   */
  public static FerryException from(Throwable failure) {
    if (failure instanceof FerryException e) {
      return e;
    }
    if (failure instanceof ReplyException e) {
      switch (e.failureType()) {
        case TIMEOUT:
          return new FerryException(TIMEOUT, "no answer in time: " + e.getMessage(), e);
        case NO_HANDLERS:
          return new FerryException(UNAVAILABLE, "nobody serves this address: " + e.getMessage(), e);
        default:
          String text = e.getMessage() == null ? "" : e.getMessage();
          int colon = text.indexOf(": ");
          if (colon > 0 && text.substring(0, colon).matches("[a-z][a-z-]*")) {
            return new FerryException(text.substring(0, colon), text.substring(colon + 2), e);
          }
          return new FerryException(INTERNAL, text, e);
      }
    }
    return new FerryException(INTERNAL, String.valueOf(failure.getMessage()), failure);
  }

  /**
   * The FerryException behind a failed bus request, where the caller knows what an address nobody
   * serves means (a mailbox that is gone, a peer that stopped, a group no node runs): then the bus's
   * "no handlers" is {@code nobodyServes}'s failure; anything else is {@link #from(Throwable)}'s.
   * The one place such failures are read, for {@link BusClient} and callers that send their own messages.
   */
  public static FerryException from(Throwable failure, Supplier<FerryException> nobodyServes) {
    if (failure instanceof ReplyException e && e.failureType() == ReplyFailure.NO_HANDLERS) {
      return nobodyServes.get();
    }
    return from(failure);
  }

  /** The short code, such as {@code bad-request} or {@code no-leader}. */
  public String code() {
    return code;
  }

  /** The HTTP status that carries this code. */
  public int httpStatus() {
    return switch (code) {
      case BAD_REQUEST -> 400;
      case FORBIDDEN -> 403;
      case NOT_FOUND -> 404;
      case METHOD_NOT_ALLOWED -> 405;
      case TOO_LARGE -> 413;
      case NOT_IMPLEMENTED -> 501;
      case TIMEOUT -> 504;
      case STORAGE_FULL -> 507;
      case UNAVAILABLE, STORAGE_ERROR, "no-leader", "rejected" -> 503;
      default -> 500;
    };
  }
}
