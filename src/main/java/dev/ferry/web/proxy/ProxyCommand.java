package dev.ferry.web.proxy;

import io.vertx.core.http.HttpServerRequest;

/** A Kubo RPC call the proxy answers itself, given its request and its options read at the edge. */
@FunctionalInterface
interface ProxyCommand {
  void handle(HttpServerRequest request, KuboOptions options);
}
