package dev.ferry.web;

import io.vertx.ext.web.Router;

/**
 * The HTTP routes of one service, mounted by {@link WebVerticle} on the API router. One class per
 * service keeps the web verticle small and lets each service own its URLs.
 *
 * <p>{@link #mount} runs once per web verticle instance, on that instance's event loop.
 */
public interface Routes {
  void mount(Router router);
}
