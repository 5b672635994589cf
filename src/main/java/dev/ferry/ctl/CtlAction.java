package dev.ferry.ctl;

import dev.ferry.ctl.CtlException.ApiError;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * One runnable ctl command: finds {@link CtlCommand}'s options among its parents, runs, and
 * reports a failure as ipfs-cluster-ctl does: an {@link ApiError} on stdout in the chosen
 * encoding, any other {@link CtlException} as one {@code error ...} line on stderr, each with its
 * exit code (no stack trace: the message says what went wrong).
 */
abstract class CtlAction implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public final Integer call() {
    CtlCommand ctl = ctl();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Output output = new Output(out, ctl.encoding());
    return reported(out, err, () -> {
      try {
        run(ctl.api(err), output);
        return 0;
      } catch (ApiError e) {
        output.error(e);
        return e.exitCode();
      }
    });
  }

  /** What a command does, returning its exit code. */
  @FunctionalInterface
  interface Body {
    int run() throws CtlException;
  }

  /**
   * Runs {@code body} and reports a {@link CtlException} it throws as one {@code error ...} line on
   * {@code err}, its exit code the command's; flushes {@code out} and {@code err} either way. The
   * one way every ctl and state command ends.
   */
  static int reported(PrintWriter out, PrintWriter err, Body body) {
    try {
      return body.run();
    } catch (CtlException e) {
      err.println(e.line());
      return e.exitCode();
    } finally {
      out.flush();
      err.flush();
    }
  }

  abstract void run(Api api, Output out) throws CtlException;

  /** The ctl root command's name as typed, such as {@code ferry ctl}, for messages. */
  String root() {
    return ctlSpec().qualifiedName();
  }

  private CtlCommand ctl() {
    return (CtlCommand) ctlSpec().userObject();
  }

  private CommandSpec ctlSpec() {
    for (CommandSpec at = spec; at != null; at = at.parent()) {
      if (at.userObject() instanceof CtlCommand) {
        return at;
      }
    }
    throw new IllegalStateException(spec.qualifiedName() + " runs only under ferry ctl");
  }
}
