package dev.ferry.ctl;

/**
 * A failure of {@code ferry ctl} before or outside an API call, reported as ipfs-cluster-ctl does:
 * {@code error <doing>: <message>} on stderr, exit code 1 (62 when a wait ran out of time, as
 * ipfs-cluster-ctl's ETIME). An answer of the API that is an error is an {@link ApiError} instead.
 */
class CtlException extends Exception {
  private static final long serialVersionUID = 1L;
  /** ipfs-cluster-ctl's exit code when a deadline passed (ETIME). */
  static final int DEADLINE_EXIT = 62;
  static final int FAILURE_EXIT = 1;

  private final String doing;
  private final int exitCode;

  /** @param doing what ctl was doing, as ipfs-cluster-ctl words it ("parsing cid"); may be empty */
  CtlException(String doing, String message) {
    this(doing, message, FAILURE_EXIT);
  }

  CtlException(String doing, String message, int exitCode) {
    super(message);
    this.doing = doing;
    this.exitCode = exitCode;
  }

  /** The line ipfs-cluster-ctl prints on stderr for this failure. */
  String line() {
    return "error " + doing + ": " + getMessage();
  }

  int exitCode() {
    return exitCode;
  }

  /**
   * The API's answer was an error, or the request never got one (code 0): printed on stdout as
   * ipfs-cluster-ctl prints an {@code api.Error}, exit code 2 for an answer and 1 for no answer.
   */
  static final class ApiError extends CtlException {
    private static final long serialVersionUID = 1L;
    private static final int ANSWERED_EXIT = 2;
    private final int code;

    ApiError(int code, String message) {
      super("", message, code == 0 ? FAILURE_EXIT : ANSWERED_EXIT);
      this.code = code;
    }

    /** The HTTP status of the answer, 0 when there was none (no connection, timeout). */
    int code() {
      return code;
    }
  }
}
