package dev.hellostack.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed and hostile input over raw sockets. After every test a normal GET /hello on a new
 * connection must still succeed.
 */
class MalformedInputTest {
  private static final int IDLE_TIMEOUT_SECONDS = 1;
  private static HelloServer server;
  private static int port;

  @BeforeAll
  static void startServer() throws Exception {
    server = TestServers.start(TestServers.config(IDLE_TIMEOUT_SECONDS, 5));
    port = server.port();
  }

  @AfterAll
  static void stopServer() throws Exception {
    TestServers.stop(server);
  }

  @AfterEach
  void serverStillAnswersHello() throws Exception {
    RawHttp.Response response = RawHttp.getHello(port);
    assertEquals(200, response.status());
    assertEquals("Hello world", response.body());
  }

  private static void assertErrorThenClose(RawHttp http, int status, String body) throws Exception {
    RawHttp.Response response = http.read();
    assertEquals(status, response.status(), response.statusLine());
    assertEquals(body, response.body());
    assertEquals("text/plain; charset=utf-8", response.header("Content-Type"));
    assertEquals("close", response.header("Connection"));
    assertTrue(http.closedWithin(5000), "server should close the connection after the error");
  }

  /** 300 random bytes without any line feed, so they can never complete a request line. */
  private static byte[] garbageWithoutLineFeed(long seed) {
    byte[] garbage = new byte[300];
    new Random(seed).nextBytes(garbage);
    for (int i = 0; i < garbage.length; i++) {
      if (garbage[i] == '\n') {
        garbage[i] = 'x';
      }
    }
    return garbage;
  }

  @Test
  void randomBinaryGarbageEndingInALineGets400AndTheConnectionIsClosed() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send(garbageWithoutLineFeed(42)).send("\r\n\r\n");
      assertErrorThenClose(http, 400, "Bad Request\n");
    }
  }

  @Test
  void randomBinaryGarbageWithoutALineEndIsClosedAtTheIdleTimeout() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send(garbageWithoutLineFeed(7));
      assertTrue(http.closedWithin(IDLE_TIMEOUT_SECONDS * 1000L + 4000));
    }
  }

  @Test
  void endlessGarbageWithoutALineEndIsCutOffAtTheRequestLineLimit() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /" + "x".repeat(HelloVerticle.MAX_INITIAL_LINE_LENGTH + 100));
      assertErrorThenClose(http, 414, "URI Too Long\n");
    }
  }

  @Test
  void garbageTextLinesGet400() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("hello there, this is not HTTP\r\n\r\n");
      assertErrorThenClose(http, 400, "Bad Request\n");
    }
  }

  @Test
  void requestLineWithoutAVersionGets400() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello\r\n\r\n");
      assertErrorThenClose(http, 400, "Bad Request\n");
    }
  }

  @Test
  void malformedHeaderLineGets400() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\nBad Header Name: y\r\n\r\n");
      assertErrorThenClose(http, 400, "Bad Request\n");
    }
  }

  @Test
  void nonNumericContentLengthGets400() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
      assertErrorThenClose(http, 400, "Bad Request\n");
    }
  }

  @Test
  void overLongHeaderGets431() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Long: " + "a".repeat(10_000) + "\r\n\r\n");
      assertErrorThenClose(http, 431, "Request Header Fields Too Large\n");
    }
  }

  @Test
  void manySmallHeadersOver8KiBInTotalGet431() throws Exception {
    StringBuilder request = new StringBuilder("GET /hello HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 200; i++) {
      request.append("X-H").append(i).append(": ").append("v".repeat(40)).append("\r\n");
    }
    try (RawHttp http = new RawHttp(port)) {
      http.send(request.append("\r\n").toString());
      assertErrorThenClose(http, 431, "Request Header Fields Too Large\n");
    }
  }

  @Test
  void overLongRequestLineGets414() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
      assertErrorThenClose(http, 414, "URI Too Long\n");
    }
  }

  @Test
  void declaredBodyOverTheLimitGets413AndTheConnectionIsClosed() throws Exception {
    int size = RequestGuard.MAX_BODY_BYTES + 1;
    try (RawHttp http = new RawHttp(port)) {
      http.send("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n" + "a".repeat(size));
      assertErrorThenClose(http, 413, "Payload Too Large\n");
    }
  }

  @Test
  void hugeDeclaredBodyGets413BeforeTheBodyIsSent() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("PUT /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n");
      assertErrorThenClose(http, 413, "Payload Too Large\n");
    }
  }

  @Test
  void chunkedBodyOverTheLimitGets413WhenTheLimitIsPassed() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      String chunk = "a".repeat(600);
      http.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      http.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      // No terminating chunk: the 413 must come as soon as the count passes the limit.
      assertErrorThenClose(http, 413, "Payload Too Large\n");
    }
  }

  @Test
  void bodyWithinTheLimitKeepsTheConnectionAlive() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
      assertEquals("Hello world", http.read().body());
      http.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals("{\"status\":\"UP\"}", http.read().body());
    }
  }

  @Test
  void contentLengthWithChunkedIsAnsweredThenClosedSoNothingIsSmuggled() throws Exception {
    // Netty keeps Transfer-Encoding and drops Content-Length; a proxy in front may frame by
    // Content-Length instead. The request is answered and the connection closed, so the bytes after
    // it are never answered as a second request (FramingTest checks they are not run either).
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "0\r\n\r\n"
          + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      RawHttp.Response first = http.read();
      assertEquals("close", first.header("Connection"), first.statusLine());
      assertTrue(http.closedWithin(5000), "no second answer: the connection must close");
    }
  }

  @Test
  void chunkedRequestIsAnsweredThenTheConnectionCloses() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
          + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      RawHttp.Response first = http.read();
      assertEquals(200, first.status());
      assertEquals("Hello world", first.body());
      assertEquals("close", first.header("Connection"));
      assertTrue(http.closedWithin(5000));
    }
  }

  @Test
  void http11RequestWithoutHostGets400() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\n\r\n");
      assertErrorThenClose(http, 400, "Bad Request\n");
    }
  }

  @Test
  void twoHostHeadersGet400() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
      assertErrorThenClose(http, 400, "Bad Request\n");
    }
  }

  @Test
  void invalidHostValueGets400() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: a b/c\r\n\r\n");
      assertErrorThenClose(http, 400, "Bad Request\n");
    }
  }

  @Test
  void http10RequestWithoutHostIsAnswered() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.0\r\n\r\n");
      RawHttp.Response response = http.read();
      assertEquals(200, response.status());
      assertEquals("Hello world", response.body());
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    String requests = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
        + "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n"
        + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        + "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
        + "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        + "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        + "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    try (RawHttp http = new RawHttp(port)) {
      http.send(requests); // one write: all requests arrive together
      RawHttp.Response hello = http.read();
      assertEquals(200, hello.status());
      assertEquals("Hello world", hello.body());
      RawHttp.Response head = http.read(true);
      assertEquals(200, head.status());
      assertEquals("11", head.header("Content-Length"));
      assertEquals("{\"status\":\"UP\"}", http.read().body());
      assertEquals(404, http.read().status());
      assertEquals(405, http.read().status());
      assertEquals(Replies.ROOT_TEXT, http.read().body());
      RawHttp.Response last = http.read();
      assertEquals("Hello world", last.body());
      assertEquals("close", last.header("Connection"));
      assertTrue(http.closedWithin(5000));
    }
  }

  @Test
  void headResponseHasNoBodyBytesOnTheWire() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals(200, http.read(true).status());
      // If HEAD had sent a body, its bytes would be read here instead of the next status line.
      RawHttp.Response next = http.read();
      assertEquals("HTTP/1.1 200 OK", next.statusLine());
      assertEquals("{\"status\":\"UP\"}", next.body());
    }
  }

  @Test
  void http10RequestIsAnsweredAndClosed() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.0\r\n\r\n");
      RawHttp.Response response = http.read();
      assertEquals("HTTP/1.0 200 OK", response.statusLine());
      assertEquals("Hello world", response.body());
      assertTrue(http.closedWithin(5000));
    }
  }

  @Test
  void clientThatStallsMidRequestIsClosedAtTheIdleTimeout() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Partial: ");
      long start = System.nanoTime();
      assertTrue(http.closedWithin(IDLE_TIMEOUT_SECONDS * 1000L + 4000), "stalled connection not closed");
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(elapsedMillis >= IDLE_TIMEOUT_SECONDS * 1000L - 200, "closed too early: " + elapsedMillis + " ms");
    }
  }

  @Test
  void idleKeepAliveConnectionIsClosedAtTheIdleTimeoutButNotBefore() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals(200, http.read().status());
      assertFalse(http.closedWithin(IDLE_TIMEOUT_SECONDS * 1000L / 2), "closed before the idle timeout");
      assertTrue(http.closedWithin(IDLE_TIMEOUT_SECONDS * 1000L + 4000), "idle connection not closed");
    }
  }

  @Test
  void clientDisconnectingMidRequestDoesNotHurtTheServer() throws Exception {
    for (int i = 0; i < 20; i++) {
      try (RawHttp http = new RawHttp(port)) {
        http.send("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
      }
    }
  }

  @Test
  void nulAndControlBytesInTheRequestLineGet400() throws Exception {
    byte[] request = "GET /he\u0000llo HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    try (RawHttp http = new RawHttp(port)) {
      http.send(Arrays.copyOf(request, request.length));
      assertErrorThenClose(http, 400, "Bad Request\n");
    }
  }

  @Test
  void unsupportedHttpVersionGets501AndTheConnectionIsClosed() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/9.9\r\nHost: x\r\n\r\n");
      assertEquals(501, http.read().status());
      assertTrue(http.closedWithin(5000));
    }
  }

  @Test
  void http2PriorKnowledgePrefaceGets501AndTheConnectionIsClosed() throws Exception {
    // The server speaks HTTP/1.x only (no h2c): the HTTP/2 preface is an unsupported version.
    try (RawHttp http = new RawHttp(port)) {
      http.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
      assertEquals(501, http.read().status());
      assertTrue(http.closedWithin(5000));
    }
  }

  @Test
  void h2cUpgradeRequestIsAnsweredOverHttp11() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
          + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n");
      RawHttp.Response response = http.read();
      assertEquals("HTTP/1.1 200 OK", response.statusLine(), "no 101 Switching Protocols");
      assertEquals("Hello world", response.body());
    }
  }

  @Test
  void asteriskFormRequestTargetGets404() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals(404, http.read().status());
    }
  }

  @Test
  void absoluteFormRequestTargetIsRoutedByItsPath() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET http://example.com/hello?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
      assertEquals("Hello world", http.read().body());
    }
  }

  @Test
  void zeroContentLengthIsAnsweredAndKeepsTheConnection() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
      assertEquals("Hello world", http.read().body());
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals("Hello world", http.read().body());
    }
  }
}
