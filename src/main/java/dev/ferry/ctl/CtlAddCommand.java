package dev.ferry.ctl;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code ctl add FILE...}: uploads files to the node ({@code POST /add}), which adds them to its
 * IPFS daemon and pins them in the cluster; one line per file.
 */
@Command(name = "add", mixinStandardHelpOptions = true,
    description = "Add files to the node's IPFS daemon and pin them in the cluster (POST /add).")
final class CtlAddCommand extends CtlAction {
  @Parameters(paramLabel = "FILE", arity = "1..*", description = "the files to add")
  List<Path> files;

  @Mixin
  CtlPinOptions pin;

  @Override
  void run(Api api, Output out) throws CtlException {
    Multipart body = new Multipart(files);
    out.lines(api.post("/add" + pin.query(), body.contentType(), body.body()), Text::added);
  }
}
