package dev.hellostack.server;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * Every response body and header value the server sends, each built once, so the hot path allocates
 * nothing beyond what Vert.x itself needs; and the one way a response is ended.
 */
final class Replies {
  static final String ROOT_TEXT = "hello-stack: GET /hello answers Hello world\n";

  static final Body HELLO = new Body("Hello world");
  static final Body ROOT = new Body(ROOT_TEXT);
  static final Body HEALTH_UP = new Body("{\"status\":\"UP\"}");
  static final Body HEALTH_DRAINING = new Body("{\"status\":\"DRAINING\"}");
  static final Body NOT_FOUND = new Body("Not Found\n");
  static final Body METHOD_NOT_ALLOWED = new Body("Method Not Allowed\n");
  static final Body BAD_REQUEST = new Body("Bad Request\n");
  static final Body PAYLOAD_TOO_LARGE = new Body("Payload Too Large\n");
  static final Body URI_TOO_LONG = new Body("URI Too Long\n");
  static final Body EXPECTATION_FAILED = new Body("Expectation Failed\n");
  static final Body HEADERS_TOO_LARGE = new Body("Request Header Fields Too Large\n");
  static final Body INTERNAL_ERROR = new Body("Internal Server Error\n");

  static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("content-type");
  static final CharSequence CONTENT_LENGTH = HttpHeaders.createOptimized("content-length");
  static final CharSequence CACHE_CONTROL = HttpHeaders.createOptimized("cache-control");
  static final CharSequence CONNECTION = HttpHeaders.createOptimized("connection");
  static final CharSequence ALLOW = HttpHeaders.createOptimized("allow");
  static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");
  static final CharSequence CLOSE = HttpHeaders.createOptimized("close");
  static final CharSequence GET_HEAD = HttpHeaders.createOptimized("GET, HEAD");

  private Replies() {
  }

  /** A response body and its Content-Length value, both built once. */
  record Body(Buffer bytes, CharSequence length) {
    Body(String text) {
      this(Buffer.buffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    private Body(Buffer bytes) {
      this(bytes, HttpHeaders.createOptimized(Integer.toString(bytes.length())));
    }
  }

  /**
   * Sets the status and Content-Type and ends the response with {@code body}; a HEAD response gets
   * the same headers and no body.
   */
  static Future<Void> send(HttpServerRequest req, int status, CharSequence contentType, Body body) {
    HttpServerResponse resp = req.response();
    resp.setStatusCode(status)
        .putHeader(CONTENT_TYPE, contentType)
        .putHeader(CONTENT_LENGTH, body.length());
    return req.method() == HttpMethod.HEAD ? resp.end() : resp.end(body.bytes());
  }
}
