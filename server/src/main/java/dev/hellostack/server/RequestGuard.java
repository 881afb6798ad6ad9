package dev.hellostack.server;

import static dev.hellostack.server.Replies.CLOSE;
import static dev.hellostack.server.Replies.CONNECTION;
import static dev.hellostack.server.Replies.TEXT_PLAIN;

import dev.hellostack.server.Replies.Body;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 framing and body rules (RFC 9112) that Netty's decoder leaves to the application,
 * applied to every request before the Router sees it.
 *
 * <ul>
 *   <li>A malformed request (no or several {@code Host} headers, a {@code Host} value that is not
 *       {@code host[:port]}, a
 *       {@code Transfer-Encoding} whose final coding is not chunked, or together with
 *       {@code Content-Length}, or in HTTP/1.0, an empty header name, a control byte in the request
 *       target): 400.</li>
 *   <li>A body over {@link #MAX_BODY_BYTES}, declared or counted as chunks arrive: 413. An
 *       {@code Expect} other than {@code 100-continue}: 417. {@code Expect: 100-continue} on an
 *       acceptable body: {@code 100 Continue}, then the body is read.</li>
 *   <li>A chunked request is answered, then the connection is closed: Netty drops a
 *       {@code Content-Length} sent beside {@code Transfer-Encoding: chunked} before we see it, and a
 *       proxy in front may have framed the request by that length instead.</li>
 * </ul>
 *
 * <p>Once the server has decided to close a connection (any 400, 413, 417, or a chunked request), it
 * reads and runs nothing more from it: {@link #closeAfterResponse} starts Vert.x's graceful
 * connection shutdown before the response is written, and from then on Vert.x drops every request
 * head that follows on that connection (no handler, no access-log line) and closes the connection as
 * soon as the current request's body has been read and its response written. Everything here runs
 * on the connection's event loop, in the order the decoder delivers the requests, so the decision
 * always precedes the next request head.
 */
final class RequestGuard implements Handler<HttpServerRequest> {
  /** The largest request body accepted (and ignored); larger bodies get 413. */
  static final int MAX_BODY_BYTES = 1024;
  /**
   * After a rejection, up to this many further body bytes are read and discarded before the
   * connection is closed, so that the client can read the answer instead of seeing a reset.
   */
  static final int MAX_DISCARD_BYTES = 64 * 1024;
  /** How long a connection that is to be closed may take to finish its current request and answer. */
  static final long CLOSE_GRACE_MILLIS = 5_000;

  /** The access log; ConnectionGuard writes its 408 and chunk-error lines here too. */
  static final JsonLog ACCESS = JsonLog.named("dev.hellostack.server.access");
  private static final JsonLog LOG = JsonLog.get(RequestGuard.class);

  private final Handler<HttpServerRequest> router;
  private final boolean accessLog;

  RequestGuard(Handler<HttpServerRequest> router, boolean accessLog) {
    this.router = router;
    this.accessLog = accessLog;
  }

  @Override
  public void handle(HttpServerRequest req) {
    if (accessLog) {
      logWhenAnswered(req);
    }
    if (!wellFormed(req)) {
      reject(req, 400, Replies.BAD_REQUEST);
      return;
    }
    MultiMap headers = req.headers();
    String contentLength = headers.get(HttpHeaders.CONTENT_LENGTH);
    boolean chunked = headers.contains(HttpHeaders.TRANSFER_ENCODING);
    // A server ignores Expect in an HTTP/1.0 request (RFC 9110 section 10.1.1).
    String expect = req.version() == HttpVersion.HTTP_1_1 ? headers.get(HttpHeaders.EXPECT) : null;
    if (expect != null && !HttpHeaders.CONTINUE.toString().equalsIgnoreCase(expect.trim())) {
      reject(req, 417, Replies.EXPECTATION_FAILED);
      return;
    }
    if (contentLength == null && !chunked) {
      route(req); // the common case: no body, answer at once
      return;
    }
    long declared = contentLength == null ? 0L : parseLength(contentLength);
    if (declared > MAX_BODY_BYTES) {
      reject(req, 413, Replies.PAYLOAD_TOO_LARGE);
      return;
    }
    if (expect != null && (chunked || declared > 0)) {
      req.response().writeContinue();
    }
    BodyLimit limit = new BodyLimit(req, chunked);
    req.handler(limit).endHandler(limit::end).exceptionHandler(e -> { });
  }

  /**
   * Hands the request to the Router. The Router answers a failing route handler with its 500; should
   * the Router itself throw, the client still gets a 500 and the connection closes, rather than
   * waiting for an answer until the idle timeout.
   */
  private void route(HttpServerRequest req) {
    try {
      router.handle(req);
    } catch (RuntimeException e) {
      LOG.error("request failed", e, "method", req.method().name(), "path", req.path());
      if (!req.response().headWritten()) {
        closeAfterResponse(req);
        Replies.send(req, 500, TEXT_PLAIN, Replies.INTERNAL_ERROR);
      }
    }
  }

  /**
   * The request rules Netty's decoder leaves to the application (RFC 9112): an HTTP/1.1 request has
   * exactly one Host header with a valid value (section 3.2); a Transfer-Encoding is allowed only in
   * HTTP/1.1, without Content-Length and with chunked as its final coding (section 6.1 and 6.3); a
   * header name is never empty; the request target holds no control bytes (section 3.2).
   */
  static boolean wellFormed(HttpServerRequest req) {
    MultiMap headers = req.headers();
    List<String> hosts = headers.getAll(HttpHeaders.HOST);
    // HTTP/1.0 may omit Host; a Host that is sent must be valid in either version.
    if (hosts.size() > 1 || (hosts.isEmpty() && req.version() == HttpVersion.HTTP_1_1)) {
      return false;
    }
    if (!hosts.isEmpty() && !(validHost(hosts.get(0)) && validAuthority(req))) {
      return false;
    }
    String transferEncoding = headers.get(HttpHeaders.TRANSFER_ENCODING);
    if (transferEncoding != null && (headers.contains(HttpHeaders.CONTENT_LENGTH)
        || req.version() == HttpVersion.HTTP_1_0 || !chunkedLast(headers.getAll(HttpHeaders.TRANSFER_ENCODING)))) {
      return false;
    }
    return !headers.contains("") && visibleTarget(req.uri());
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

  /**
   * Vert.x's own reading of the Host header, which the Router checks before any route (it would
   * answer an unparsable one with its own 400 and keep the connection). It caches the result, so the
   * Router does not parse again. Vert.x 5.0.7's parser throws on some malformed percent-escapes
   * ({@code Host: %zz}): those are invalid too.
   */
  private static boolean validAuthority(HttpServerRequest req) {
    try {
      return req.authority() != null;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Whether the last transfer coding named, over all Transfer-Encoding lines, is {@code chunked}. */
  static boolean chunkedLast(List<String> transferEncodings) {
    String last = transferEncodings.get(transferEncodings.size() - 1);
    String coding = last.substring(last.lastIndexOf(',') + 1).trim();
    return coding.equalsIgnoreCase("chunked");
  }

  /** No NUL, other control byte, space or DEL in the request target. */
  static boolean visibleTarget(String uri) {
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE; // Netty rejects malformed lengths first; treat anything odd as too large
    }
  }

  /**
   * Counts body bytes; answers 413 as soon as the limit is passed, otherwise routes the request at the
   * end of its body. After a 413 the rest of the body is discarded, up to {@link #MAX_DISCARD_BYTES}.
   */
  private final class BodyLimit implements Handler<Buffer> {
    private final HttpServerRequest req;
    private final boolean chunked;
    private long received;
    private boolean rejected;

    BodyLimit(HttpServerRequest req, boolean chunked) {
      this.req = req;
      this.chunked = chunked;
    }

    @Override
    public void handle(Buffer chunk) {
      received += chunk.length();
      if (!rejected && received > MAX_BODY_BYTES) {
        rejected = true;
        reject(req, 413, Replies.PAYLOAD_TOO_LARGE, received);
      }
    }

    void end(Void ignored) {
      if (rejected) {
        return; // the connection closes now that the body has been read
      }
      if (chunked) {
        closeAfterResponse(req);
      }
      route(req);
    }
  }

  /**
   * Answers {@code status} and closes the connection: nothing after this request is read. A body that
   * is still to come is read and discarded, up to {@link #MAX_DISCARD_BYTES}, so the client sees the
   * answer rather than a reset. The connection closes as soon as the answer is out when no body will
   * follow that could be read to its end: one declared larger than that, one a client holds back
   * until it hears {@code 100 Continue}, or one whose end cannot be told (a Transfer-Encoding
   * without chunked, which Netty reads until the connection closes).
   */
  private void reject(HttpServerRequest req, int status, Body body) {
    reject(req, status, body, 0);
  }

  private void reject(HttpServerRequest req, int status, Body body, long alreadyRead) {
    MultiMap headers = req.headers();
    String contentLength = headers.get(HttpHeaders.CONTENT_LENGTH);
    String transferEncoding = headers.get(HttpHeaders.TRANSFER_ENCODING);
    long declared = contentLength == null ? 0L : parseLength(contentLength);
    boolean closeAtOnce = declared - alreadyRead > MAX_DISCARD_BYTES
        || (req.version() == HttpVersion.HTTP_1_1 && headers.contains(HttpHeaders.EXPECT))
        || (transferEncoding != null && !transferEncoding.toLowerCase(Locale.ROOT).contains("chunked"));
    closeAfterResponse(req);
    Future<Void> written = Replies.send(req, status, TEXT_PLAIN, body);
    if (req.isEnded()) {
      return;
    }
    if (closeAtOnce) {
      req.pause();
      written.onComplete(ar -> req.connection().close());
      return;
    }
    long[] discarded = {0};
    req.handler(chunk -> {
      discarded[0] += chunk.length();
      if (discarded[0] > MAX_DISCARD_BYTES) {
        req.connection().close();
      }
    }).endHandler(null).exceptionHandler(e -> { });
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

  /**
   * One access-log line when the response has been written, whoever wrote it (Vert.x also calls the
   * end handler when the connection closes before a response: no line then).
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

  /**
   * Answers requests the HTTP decoder could not parse: 414 for an over-long request line, 431 for an
   * over-large header block, 400 otherwise; always with a short text body, then closes the connection
   * (the decoder reads nothing more from it).
   */
  static void handleInvalid(HttpServerRequest req, boolean accessLog) {
    Throwable cause = req.decoderResult().cause();
    int status;
    Body body;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      body = Replies.URI_TOO_LONG;
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      body = Replies.HEADERS_TOO_LARGE;
    } else {
      status = 400;
      body = Replies.BAD_REQUEST;
    }
    req.response().putHeader(CONNECTION, CLOSE);
    Replies.send(req, status, TEXT_PLAIN, body).onComplete(ar -> req.connection().close());
    if (accessLog) {
      ACCESS.info("invalid request", "status", status, "error", String.valueOf(cause));
    }
  }
}
