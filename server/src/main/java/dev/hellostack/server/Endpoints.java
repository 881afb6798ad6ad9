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
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.TimeUnit;

/**
 * The routes, and the Router that serves them.
 *
 * <ul>
 *   <li>{@code GET|HEAD /hello}: 200 {@code Hello world}</li>
 *   <li>{@code GET|HEAD /}: 200, a line that points to /hello</li>
 *   <li>{@code GET|HEAD /health}: 200 {@code {"status":"UP"}}, or 503 {@code {"status":"DRAINING"}}
 *       once shutdown has begun</li>
 *   <li>other methods on those paths: 405 with {@code Allow: GET, HEAD}; other paths: 404; both
 *       through the Router's own error handling, like its 400, 413, 417 and 500</li>
 * </ul>
 *
 * <p>Every request first passes vertx-web's {@link BodyHandler}: a body over {@link #MAX_BODY_BYTES}
 * (declared, or counted as it arrives) gets 413, an {@code Expect} other than {@code 100-continue}
 * 417; a smaller body is read and ignored. While draining every response carries
 * {@code Connection: close}, so keep-alive clients go away.
 */
final class Endpoints {
  /** The largest request body accepted (and ignored); larger bodies get 413. */
  static final int MAX_BODY_BYTES = 1024;
  /**
   * After a 413, up to this much more of a declared body is read and discarded before the
   * connection closes, so that the client reads the answer rather than a reset; a body declared
   * larger than that closes the connection as soon as the 413 is out.
   */
  static final int MAX_DISCARD_BYTES = 64 * 1024;
  /** How long a connection that is to be closed may take to finish its current request. */
  static final long CLOSE_GRACE_MILLIS = 5_000;

  /** The access log's logger. */
  static final JsonLog ACCESS = JsonLog.named("dev.hellostack.server.access");
  private static final JsonLog LOG = JsonLog.get(Endpoints.class);

  private final ServerState state;

  Endpoints(ServerState state) {
    this.state = state;
  }

  /** A Router with the three routes, in the order of how often they are asked for. */
  Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    // No file uploads: the endpoints take no body, and the root file system is read-only.
    router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.route().handler(Endpoints::oneHostAndNamedHeaders);
    router.route().handler(Endpoints::exactPath);
    router.route().failureHandler(Endpoints::bodyStreamFailed);
    router.route("/hello").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::hello);
    router.route("/health").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::health);
    router.route("/").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::root);
    router.errorHandler(400, ctx -> rejectAndClose(ctx, 400, Replies.BAD_REQUEST));
    router.errorHandler(404, ctx -> reply(ctx.request(), 404, TEXT_PLAIN, Replies.NOT_FOUND));
    router.errorHandler(405, this::methodNotAllowed);
    router.errorHandler(413, ctx -> rejectAndClose(ctx, 413, Replies.PAYLOAD_TOO_LARGE));
    router.errorHandler(417, ctx -> rejectAndClose(ctx, 417, Replies.EXPECTATION_FAILED));
    router.errorHandler(500, this::internalError);
    return router;
  }

  /**
   * A request with two {@code Host} fields, or a header field with an empty name, is a bad request
   * (RFC 9112, section 3.2: "A server MUST respond with a 400 (Bad Request) status code to any
   * HTTP/1.1 request message that lacks a Host header field and to any request message that contains
   * more than one Host header field line"; RFC 9110, section 5.1: a field name is a token, at least one
   * character). Netty's decoder lets both through; the Router's own check handles a missing or
   * unreadable {@code Host}.
   */
  static void oneHostAndNamedHeaders(RoutingContext ctx) {
    MultiMap headers = ctx.request().headers();
    if (headers.getAll(HttpHeaders.HOST).size() > 1 || headers.contains("")) {
      ctx.fail(400);
    } else {
      ctx.next();
    }
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

  /**
   * The BodyHandler fails a request with status 200 when its body stream fails: the client closed
   * the connection mid-body, or broke the chunk framing, after which Vert.x closes the connection.
   * Nobody is left to answer, and it is no error of the server's, which the Router would log as one
   * ("Unhandled exception in router"); the connection is closed, if it is not already. Every other
   * failure goes on to the Router's error handlers.
   */
  static void bodyStreamFailed(RoutingContext ctx) {
    if (ctx.statusCode() >= 400 || ctx.statusCode() == -1) {
      ctx.next();
    } else {
      ctx.request().connection().close();
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

  /**
   * Answers a request the server will not serve (400, 413, 417) and closes the connection after it,
   * so nothing pipelined behind it runs. Vert.x reads and drops the rest of a body that is still to
   * come, then closes; the connection closes as soon as the answer is out instead when the client
   * waits for {@code 100 Continue} before it sends the body, or the body declared is longer than
   * {@link #MAX_DISCARD_BYTES}.
   */
  static void rejectAndClose(RoutingContext ctx, int status, Body body) {
    HttpServerRequest req = ctx.request();
    if (ctx.response().ended() || ctx.response().closed()) {
      return; // the connection failed (a broken chunk, say): there is no one left to answer
    }
    boolean closeAtOnce = !req.isEnded()
        && (req.headers().contains(HttpHeaders.EXPECT) || declaredLength(req) > MAX_DISCARD_BYTES);
    closeAfterResponse(req);
    Replies.send(req, status, TEXT_PLAIN, body).onComplete(written -> {
      if (closeAtOnce) {
        req.connection().close();
      }
    });
  }

  /**
   * Marks the response {@code Connection: close} and starts Vert.x's graceful shutdown of the
   * connection: Vert.x then drops every request that follows on it and closes it once this request
   * is read and answered (or after {@link #CLOSE_GRACE_MILLIS}).
   */
  static void closeAfterResponse(HttpServerRequest req) {
    req.response().putHeader(CONNECTION, CLOSE);
    req.connection().shutdown(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
  }

  private static long declaredLength(HttpServerRequest req) {
    String contentLength = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    try {
      return contentLength == null ? 0 : Long.parseLong(contentLength.trim());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Answers a request the HTTP decoder could not parse, as Vert.x's default invalid-request handler
   * does ({@link HttpServerRequest#DEFAULT_INVALID_REQUEST_HANDLER}: 414 for a request line over the
   * limit, 431 for a header block over it, 400 otherwise, then close) but with a one-line text body,
   * and with an access-log line when the access log is on.
   */
  static void invalidRequest(HttpServerRequest req, boolean accessLog) {
    Throwable cause = req.decoderResult().cause();
    int status = invalidRequestStatus(cause);
    Body body = switch (status) {
      case 414 -> Replies.URI_TOO_LONG;
      case 431 -> Replies.HEADERS_TOO_LARGE;
      default -> Replies.BAD_REQUEST;
    };
    req.response().putHeader(CONNECTION, CLOSE);
    Replies.send(req, status, TEXT_PLAIN, body).onComplete(written -> req.connection().close());
    if (accessLog) {
      ACCESS.info("invalid request", "status", status, "error", String.valueOf(cause));
    }
  }

  /**
   * The decoder's failure is one of Netty's exception types (the type of
   * {@code HttpServerRequest.decoderResult()} is Netty's too); the two that mean "too long" are told
   * apart by name, as Vert.x's default handler tells them apart by type, so that no Netty type is
   * compiled into the server. A rename in a Netty upgrade turns their 414 and 431 into 400, which
   * {@code MalformedInputTest} catches.
   */
  static int invalidRequestStatus(Throwable cause) {
    String type = cause == null ? "" : cause.getClass().getSimpleName();
    return switch (type) {
      case "TooLongHttpLineException" -> 414;
      case "TooLongHttpHeaderException" -> 431;
      default -> 400;
    };
  }

  /**
   * The request handler: {@code router}, with an access-log line per request if {@code accessLog}.
   * Should the Router itself throw before any route runs (Vert.x 5.0.7's check of the Host header
   * does on a malformed percent-escape such as {@code Host: %zz}, instead of rejecting it), the client
   * gets a 400 and the connection closes, rather than waiting for an answer until the idle timeout.
   */
  static Handler<HttpServerRequest> requests(Router router, boolean accessLog) {
    return req -> {
      if (accessLog) {
        logWhenAnswered(req);
      }
      try {
        router.handle(req);
      } catch (RuntimeException e) {
        LOG.warn("request rejected: the Router could not handle it", "error", e.toString());
        if (!req.response().headWritten()) {
          closeAfterResponse(req);
          Replies.send(req, 400, TEXT_PLAIN, Replies.BAD_REQUEST);
        }
      }
    };
  }

  /**
   * One access-log line once the response has been written, whoever wrote it (a route, or the
   * Router's own 400 for a missing Host); none when the connection closes before a response.
   * vertx-web's {@code LoggerHandler} is not used: it writes a formatted string under its own logger
   * name, at a level that follows the status, in whole milliseconds, and only for requests that
   * reach a route.
   */
  private static void logWhenAnswered(HttpServerRequest req) {
    long start = System.nanoTime();
    HttpServerResponse resp = req.response();
    resp.endHandler(v -> {
      if (resp.ended()) {
        ACCESS.info("request", "method", req.method().name(), "path", req.path(),
            "status", resp.getStatusCode(), "durationMs", (System.nanoTime() - start) / 1_000_000.0);
      }
    });
  }
}
