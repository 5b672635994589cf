package dev.ferry.ctl;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * One runnable ctl command: finds {@link CtlCommand}'s options among its parents, runs, and turns
 * a {@link CtlException} into its message on stderr and exit code 1 (no stack trace: the message
 * says what went wrong).
 */
abstract class CtlAction implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public final Integer call() {
    CtlCommand ctl = ctl();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      run(new Api(ctl.host, ctl.timeout, Optional.ofNullable(ctl.basicAuth)), new Output(out, ctl.encoding));
      return 0;
    } catch (CtlException e) {
      err.println(e.getMessage());
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  abstract void run(Api api, Output out) throws CtlException;

  private CtlCommand ctl() {
    for (CommandSpec at = spec; at != null; at = at.parent()) {
      if (at.userObject() instanceof CtlCommand ctl) {
        return ctl;
      }
    }
    throw new IllegalStateException(spec.qualifiedName() + " runs only under ferry ctl");
  }
}
