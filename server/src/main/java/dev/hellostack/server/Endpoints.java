package dev.hellostack.server;

import static dev.hellostack.server.Replies.ALLOW;
import static dev.hellostack.server.Replies.APPLICATION_JSON;
import static dev.hellostack.server.Replies.CACHE_CONTROL;
import static dev.hellostack.server.Replies.CLOSE;
import static dev.hellostack.server.Replies.CONNECTION;
import static dev.hellostack.server.Replies.GET_HEAD;
import static dev.hellostack.server.Replies.NO_STORE;
import static dev.hellostack.server.Replies.TEXT_PLAIN;

import dev.hellostack.server.Replies.Body;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The routes, and the Router that serves them.
 *
 * <ul>
 *   <li>{@code GET|HEAD /hello}: 200 {@code Hello world}</li>
 *   <li>{@code GET|HEAD /}: 200, a line that points to /hello</li>
 *   <li>{@code GET|HEAD /health}: 200 {@code {"status":"UP"}}, or 503 {@code {"status":"DRAINING"}}
 *       once shutdown has begun</li>
 *   <li>other methods on those paths: 405 with {@code Allow: GET, HEAD}; other paths: 404; both
 *       through the Router's own error handling, like its 400 and 500</li>
 * </ul>
 *
 * <p>While draining every response carries {@code Connection: close}, so keep-alive clients go away.
 * Requests reach the Router only through {@link RequestGuard}, which enforces the framing and body
 * rules first.
 */
final class Endpoints {
  private static final JsonLog LOG = JsonLog.get(Endpoints.class);

  private final ServerState state;

  Endpoints(ServerState state) {
    this.state = state;
  }

  /** A Router with the three routes, in the order of how often they are asked for. */
  Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route().handler(Endpoints::exactPath);
    router.route("/hello").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::hello);
    router.route("/health").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::health);
    router.route("/").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::root);
    router.errorHandler(400, this::badRequest);
    router.errorHandler(404, this::notFound);
    router.errorHandler(405, this::methodNotAllowed);
    router.errorHandler(500, this::internalError);
    return router;
  }

  /**
   * Paths match exactly: a Router route also matches its path with one trailing slash added
   * ({@code /hello/}), which here names a resource that does not exist. Like the routes, this looks
   * at the path after RFC 3986 normalization ({@code /hello/.} is {@code /hello/}); a path that
   * cannot be normalized (a broken percent-escape such as {@code /%zz}) is a bad request.
   */
  static void exactPath(RoutingContext ctx) {
    String path;
    try {
      path = ctx.normalizedPath();
    } catch (IllegalArgumentException e) {
      ctx.fail(400, e);
      return;
    }
    if (path.length() > 1 && path.charAt(path.length() - 1) == '/') {
      ctx.fail(404);
    } else {
      ctx.next();
    }
  }

  void hello(RoutingContext ctx) {
    reply(ctx.request(), 200, TEXT_PLAIN, Replies.HELLO);
  }

  void root(RoutingContext ctx) {
    reply(ctx.request(), 200, TEXT_PLAIN, Replies.ROOT);
  }

  void health(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    req.response().putHeader(CACHE_CONTROL, NO_STORE);
    if (state.draining()) {
      reply(req, 503, APPLICATION_JSON, Replies.HEALTH_DRAINING);
    } else {
      reply(req, 200, APPLICATION_JSON, Replies.HEALTH_UP);
    }
  }

  /**
   * The Router's own 400 (a Host it cannot read). RequestGuard rejects such requests first; should one
   * get through, it is answered like every other 400: plain text, and the connection closed.
   */
  void badRequest(RoutingContext ctx) {
    RequestGuard.closeAfterResponse(ctx.request());
    reply(ctx.request(), 400, TEXT_PLAIN, Replies.BAD_REQUEST);
  }

  void notFound(RoutingContext ctx) {
    reply(ctx.request(), 404, TEXT_PLAIN, Replies.NOT_FOUND);
  }

  /** Every route takes GET and HEAD only, so the Allow header is the same for all of them. */
  void methodNotAllowed(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    req.response().putHeader(ALLOW, GET_HEAD);
    reply(req, 405, TEXT_PLAIN, Replies.METHOD_NOT_ALLOWED);
  }

  /** A handler threw: a plain 500 without the stack trace; the trace goes to the log. */
  void internalError(RoutingContext ctx) {
    LOG.error("request failed", ctx.failure(), "method", ctx.request().method().name(),
        "path", ctx.request().path());
    if (!ctx.response().ended() && !ctx.response().headWritten()) {
      reply(ctx.request(), 500, TEXT_PLAIN, Replies.INTERNAL_ERROR);
    }
  }

  private void reply(HttpServerRequest req, int status, CharSequence contentType, Body body) {
    if (state.draining()) {
      req.response().putHeader(CONNECTION, CLOSE);
    }
    Replies.send(req, status, contentType, body);
  }
}
