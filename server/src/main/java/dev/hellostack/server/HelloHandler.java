package dev.hellostack.server;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Answers every HTTP request. Routing is a plain switch on the path; all response bodies and header
 * values are built once, so the hot path allocates nothing beyond what Vert.x itself needs.
 *
 * <ul>
 *   <li>{@code GET|HEAD /hello}: 200 {@code Hello world}</li>
 *   <li>{@code GET|HEAD /}: 200, a line that points to /hello</li>
 *   <li>{@code GET|HEAD /health}: 200 {@code {"status":"UP"}}, or 503 {@code {"status":"DRAINING"}}
 *       once shutdown has begun</li>
 *   <li>other methods on those paths: 405 with {@code Allow: GET, HEAD}; other paths: 404</li>
 *   <li>a request body over {@link #MAX_BODY_BYTES}: 413, then the connection is closed</li>
 * </ul>
 *
 * <p>While draining every response carries {@code Connection: close}, so keep-alive clients go away.
 */
final class HelloHandler implements Handler<HttpServerRequest> {
  /** The largest request body accepted (and ignored); larger bodies get 413. */
  static final int MAX_BODY_BYTES = 1024;
  /**
   * After a 413, up to this many further body bytes are read and discarded before the connection is
   * closed, so that the client can read the 413 instead of seeing a connection reset.
   */
  static final int MAX_DISCARD_BYTES = 64 * 1024;

  static final String HELLO_TEXT = "Hello world";
  static final String ROOT_TEXT = "hello-stack: GET /hello answers Hello world\n";

  private static final Body HELLO = new Body(HELLO_TEXT);
  private static final Body ROOT = new Body(ROOT_TEXT);
  private static final Body HEALTH_UP = new Body("{\"status\":\"UP\"}");
  private static final Body HEALTH_DRAINING = new Body("{\"status\":\"DRAINING\"}");
  private static final Body NOT_FOUND = new Body("Not Found\n");
  private static final Body METHOD_NOT_ALLOWED = new Body("Method Not Allowed\n");
  private static final Body PAYLOAD_TOO_LARGE = new Body("Payload Too Large\n");
  private static final Body BAD_REQUEST = new Body("Bad Request\n");
  private static final Body URI_TOO_LONG = new Body("URI Too Long\n");
  private static final Body HEADERS_TOO_LARGE = new Body("Request Header Fields Too Large\n");

  private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("content-type");
  private static final CharSequence CONTENT_LENGTH = HttpHeaders.createOptimized("content-length");
  private static final CharSequence CACHE_CONTROL = HttpHeaders.createOptimized("cache-control");
  private static final CharSequence CONNECTION = HttpHeaders.createOptimized("connection");
  private static final CharSequence ALLOW = HttpHeaders.createOptimized("allow");
  private static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");
  private static final CharSequence CLOSE = HttpHeaders.createOptimized("close");
  private static final CharSequence GET_HEAD = HttpHeaders.createOptimized("GET, HEAD");

  private static final JsonLog ACCESS = JsonLog.named("dev.hellostack.server.access");

  private final ServerState state;
  private final boolean accessLog;

  HelloHandler(ServerState state, boolean accessLog) {
    this.state = state;
    this.accessLog = accessLog;
  }

  /** A response body and its Content-Length value, both built once. */
  private record Body(Buffer bytes, CharSequence length) {
    Body(String text) {
      this(Buffer.buffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    private Body(Buffer bytes) {
      this(bytes, HttpHeaders.createOptimized(Integer.toString(bytes.length())));
    }
  }

  @Override
  public void handle(HttpServerRequest req) {
    long start = accessLog ? System.nanoTime() : 0L;
    if (!wellFormed(req)) {
      handleInvalid(req, accessLog); // 400 and close
      return;
    }
    // Most requests have no body: answer at once. Otherwise answer after the body (or reject it).
    String contentLength = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    boolean chunked = req.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    if (contentLength == null && !chunked) {
      route(req, start);
      return;
    }
    if (chunked) {
      // Netty drops a Content-Length sent along with Transfer-Encoding before we see it, so every
      // chunked request is treated as possibly ambiguous: answer it, then close (RFC 9112 6.1).
      req.response().putHeader(CONNECTION, CLOSE).endHandler(v -> req.connection().close());
    }
    long declared = contentLength == null ? 0L : parseLength(contentLength);
    if (declared > MAX_BODY_BYTES) {
      reject(req, start, declared > MAX_BODY_BYTES + MAX_DISCARD_BYTES);
      return;
    }
    readBody(req, new BodyLimit(req, start, false));
  }

  private static void readBody(HttpServerRequest req, BodyLimit limit) {
    req.handler(limit);
    req.endHandler(limit::end);
  }

  /**
   * The request rules Netty's decoder leaves to the application (RFC 9112): an HTTP/1.1 request has
   * exactly one Host header with a valid value (section 3.2); Transfer-Encoding together with
   * Content-Length, or in HTTP/1.0, is ambiguous framing that a proxy in front may read differently,
   * the root of request smuggling (section 6.1); a header name is never empty.
   */
  static boolean wellFormed(HttpServerRequest req) {
    MultiMap headers = req.headers();
    if (req.version() == HttpVersion.HTTP_1_1) {
      // HTTP/1.0 may omit Host.
      List<String> hosts = headers.getAll(HttpHeaders.HOST);
      if (hosts.size() != 1 || !validHost(hosts.get(0))) {
        return false;
      }
    }
    if (headers.contains(HttpHeaders.TRANSFER_ENCODING)
        && (headers.contains(HttpHeaders.CONTENT_LENGTH) || req.version() == HttpVersion.HTTP_1_0)) {
      return false;
    }
    return !headers.contains("");
  }

  /** Host = uri-host [ ":" port ]: only the characters of a reg-name, an IP literal and a port. */
  static boolean validHost(String host) {
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "-._~!$&'()*+,;=:[]%".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return host.indexOf('[') < 0 || (host.charAt(0) == '[' && host.indexOf(']') > 0);
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE; // Netty rejects malformed lengths first; treat anything odd as too large
    }
  }

  /**
   * Counts body bytes; answers 413 as soon as the limit is passed, otherwise answers at the end. Once
   * rejected it discards up to {@link #MAX_DISCARD_BYTES} more, then closes the connection.
   */
  private final class BodyLimit implements Handler<Buffer> {
    private final HttpServerRequest req;
    private final long start;
    private long received;
    private boolean rejected;

    /** {@code alreadyRejected}: the 413 went out (by Content-Length), so only discard, then close. */
    BodyLimit(HttpServerRequest req, long start, boolean alreadyRejected) {
      this.req = req;
      this.start = start;
      this.rejected = alreadyRejected;
      this.received = alreadyRejected ? MAX_BODY_BYTES : 0;
    }

    @Override
    public void handle(Buffer chunk) {
      received += chunk.length();
      if (!rejected && received > MAX_BODY_BYTES) {
        rejected = true;
        send413(req, start);
      } else if (rejected && received > MAX_BODY_BYTES + MAX_DISCARD_BYTES) {
        req.connection().close();
      }
    }

    void end(Void ignored) {
      if (rejected) {
        req.connection().close();
      } else {
        route(req, start);
      }
    }
  }

  /** 413 for a declared Content-Length over the limit; the rest of the body is discarded. */
  private void reject(HttpServerRequest req, long start, boolean closeNow) {
    if (closeNow) {
      req.pause();
      send413(req, start).onComplete(ar -> req.connection().close());
      return;
    }
    send413(req, start);
    readBody(req, new BodyLimit(req, start, true));
  }

  private Future<Void> send413(HttpServerRequest req, long start) {
    HttpServerResponse resp = req.response();
    resp.setStatusCode(413).putHeader(CONTENT_TYPE, TEXT_PLAIN).putHeader(CONNECTION, CLOSE);
    Future<Void> written = end(req, resp, PAYLOAD_TOO_LARGE);
    logAccess(req, 413, start);
    return written;
  }

  private void route(HttpServerRequest req, long start) {
    HttpMethod method = req.method();
    boolean readOnly = method == HttpMethod.GET || method == HttpMethod.HEAD;
    int status;
    switch (req.path()) {
      case "/hello" -> status = readOnly ? send(req, 200, TEXT_PLAIN, HELLO) : notAllowed(req);
      case "/" -> status = readOnly ? send(req, 200, TEXT_PLAIN, ROOT) : notAllowed(req);
      case "/health" -> status = readOnly ? health(req) : notAllowed(req);
      default -> status = send(req, 404, TEXT_PLAIN, NOT_FOUND);
    }
    logAccess(req, status, start);
  }

  private int health(HttpServerRequest req) {
    req.response().putHeader(CACHE_CONTROL, NO_STORE);
    return state.draining()
        ? send(req, 503, APPLICATION_JSON, HEALTH_DRAINING)
        : send(req, 200, APPLICATION_JSON, HEALTH_UP);
  }

  private int notAllowed(HttpServerRequest req) {
    req.response().putHeader(ALLOW, GET_HEAD);
    return send(req, 405, TEXT_PLAIN, METHOD_NOT_ALLOWED);
  }

  private int send(HttpServerRequest req, int status, CharSequence contentType, Body body) {
    HttpServerResponse resp = req.response();
    resp.setStatusCode(status).putHeader(CONTENT_TYPE, contentType);
    if (state.draining()) {
      resp.putHeader(CONNECTION, CLOSE);
    }
    end(req, resp, body);
    return status;
  }

  /** Ends the response with {@code body}; a HEAD response gets the same headers and no body. */
  private static Future<Void> end(HttpServerRequest req, HttpServerResponse resp, Body body) {
    resp.putHeader(CONTENT_LENGTH, body.length());
    return req.method() == HttpMethod.HEAD ? resp.end() : resp.end(body.bytes());
  }

  private void logAccess(HttpServerRequest req, int status, long start) {
    if (accessLog) {
      ACCESS.info("request", "method", req.method().name(), "path", req.path(), "status", status,
          "durationMs", (System.nanoTime() - start) / 1_000_000.0);
    }
  }

  /**
   * Answers requests the HTTP decoder could not parse: 414 for an over-long request line, 431 for an
   * over-large header block, 400 otherwise; always with a short text body, then closes the connection.
   */
  static void handleInvalid(HttpServerRequest req, boolean accessLog) {
    Throwable cause = req.decoderResult().cause();
    int status;
    Body body;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      body = URI_TOO_LONG;
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      body = HEADERS_TOO_LARGE;
    } else {
      status = 400;
      body = BAD_REQUEST;
    }
    HttpServerResponse resp = req.response();
    resp.setStatusCode(status).putHeader(CONTENT_TYPE, TEXT_PLAIN).putHeader(CONNECTION, CLOSE);
    end(req, resp, body).onComplete(ar -> req.connection().close());
    if (accessLog) {
      ACCESS.info("invalid request", "status", status, "error", String.valueOf(cause));
    }
  }

}
