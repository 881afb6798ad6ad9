package dev.hellostack.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/1.1 framing under pipelining (RFC 9112), over raw sockets with the access log on. Every case
 * sends a bad request with a second request pipelined behind it in the same write, and checks that
 * exactly one response comes back, the connection then closes, and the second request is neither
 * answered nor access-logged: once the server has decided to close a connection, it runs nothing
 * more from it.
 */
class FramingTest {
  /** The request pipelined behind every bad one; a server that ran it would answer 404 and log it. */
  private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

  private static HelloServer server;
  private static int port;
  private static CapturedLog log;

  @BeforeAll
  static void startServer() throws Exception {
    log = new CapturedLog();
    server = TestServers.start(TestServers.config(10, 10_000, true));
    port = server.port();
  }

  @AfterAll
  static void stopServer() throws Exception {
    TestServers.stop(server);
    log.close();
  }

  @BeforeEach
  void clearLog() {
    log.clear();
  }

  @AfterEach
  void serverStillAnswersHello() throws Exception {
    assertEquals("Hello world", RawHttp.getHello(port).body());
  }

  /**
   * Sends {@code bytes} in one write, expects one response with {@code status} and
   * {@code Connection: close}, then the close with nothing more on the wire, and no access-log line
   * for the pipelined request. Returns the access-log lines.
   */
  private static List<JsonObject> assertOneAnswerThenClose(String bytes, int status) throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send(bytes);
      RawHttp.Response response = http.read();
      assertEquals(status, response.status(), response.statusLine());
      assertEquals("close", response.header("Connection"), response.statusLine());
      assertEquals("", http.restUntilClosed(5000), "a second response came back");
    }
    return assertNotLogged("/smuggled");
  }

  /**
   * The access-log lines once at least one is there (the line is written as the response goes out,
   * which may be a moment after the client has read it); none may name {@code path}.
   */
  private static List<JsonObject> assertNotLogged(String path) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (log.access().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    List<JsonObject> access = log.access();
    assertTrue(access.stream().noneMatch(j -> path.equals(j.getString("path"))), access.toString());
    return access;
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "GET /hello HTTP/1.1\r\n\r\n",                                     // no Host
      "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",                // two Host headers
      "GET /hello HTTP/1.1\r\nHost: a b/c\r\n\r\n",                       // bad Host value
      "GET /hello HTTP/1.1\r\nHost: x:abc\r\n\r\n",                       // port not a number
      "GET /hello HTTP/1.1\r\nHost: x:99999\r\n\r\n",                     // port out of range
      "GET /hello HTTP/1.1\r\nHost: a:1:2\r\n\r\n",
      "GET /hello HTTP/1.1\r\nHost: %zz\r\n\r\n",                         // Vert.x's parser throws on it
      "GET /hello HTTP/1.0\r\nHost: %zz\r\n\r\n",                         // HTTP/1.0 may omit Host, not send a bad one
      "GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc",
      "GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", // final coding not chunked
      "GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
      "GET /hello HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", // chunked in HTTP/1.0
      "GET /hello HTTP/1.1\r\nHost: x\r\n: empty-name\r\n\r\n",           // empty header name
  })
  void afterItsOwn400NothingPipelinedIsAnsweredOrLogged(String bad) throws Exception {
    List<JsonObject> access = assertOneAnswerThenClose(bad + SMUGGLED, 400);
    assertEquals(1, access.size(), access.toString());
    assertEquals(400, access.get(0).getInteger("status"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/he\u0000llo", "/hello\u0001", "/hel\u007flo", "/hello?q=\u0000"})
  void nulOrAControlByteInTheRequestTargetGets400(String target) throws Exception {
    List<JsonObject> access = assertOneAnswerThenClose("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLED, 400);
    assertEquals(1, access.size(), access.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/%zz", "/hello%"})
  void aPathWithABrokenPercentEscapeGets400AndTheConnectionClosed(String target) throws Exception {
    List<JsonObject> access = assertOneAnswerThenClose("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLED, 400);
    assertEquals(List.of(400), access.stream().map(j -> j.getInteger("status")).toList());
  }

  @Test
  void contentLengthWithChunkedIsReadAsChunkedAnsweredAndTheConnectionClosed() throws Exception {
    // Netty drops the Content-Length and reads the body as chunked (RFC 9112 section 6.3); a proxy in
    // front may have framed it by the Content-Length instead, so nothing after it is read.
    List<JsonObject> access = assertOneAnswerThenClose("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 405);
    assertEquals(List.of(405), access.stream().map(j -> j.getInteger("status")).toList());
  }

  @Test
  void afterAChunkedRequestNothingPipelinedIsAnsweredOrLogged() throws Exception {
    List<JsonObject> access = assertOneAnswerThenClose("GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "3\r\nabc\r\n0\r\n\r\n" + SMUGGLED, 200);
    assertEquals(List.of("/hello"), access.stream().map(j -> j.getString("path")).toList());
  }

  @Test
  void afterA413ByContentLengthNothingPipelinedIsAnsweredOrLogged() throws Exception {
    int size = RequestGuard.MAX_BODY_BYTES + 1;
    List<JsonObject> access = assertOneAnswerThenClose("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: " + size
        + "\r\n\r\n" + "a".repeat(size) + SMUGGLED, 413);
    assertEquals(List.of(413), access.stream().map(j -> j.getInteger("status")).toList());
  }

  @Test
  void streamedChunkedBodyOverTheLimitGets413NotAReset() throws Exception {
    // A client that streams its body and only notices the answer later: it goes on sending after
    // the 413 has come. The server reads and drops the rest, then closes cleanly, never a reset.
    try (RawHttp http = new RawHttp(port)) {
      http.send("POST /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      String chunk = "a".repeat(600);
      http.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      http.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      RawHttp.Response response = http.read();
      assertEquals(413, response.status(), response.statusLine());
      assertEquals("Payload Too Large\n", response.body());
      assertEquals("close", response.header("Connection"));
      for (int i = 0; i < 40; i++) {
        http.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      }
      http.send("0\r\n\r\n" + SMUGGLED);
      assertEquals("", http.restUntilEndOfStream(5000), "a second response came back");
    }
    List<JsonObject> access = assertNotLogged("/smuggled");
    assertEquals(List.of(413), access.stream().map(j -> j.getInteger("status")).toList());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "0x5\r\nhello\r\n0\r\n\r\n",                      // not a hex chunk size
      "fffffffffffffffffff\r\nhello\r\n0\r\n\r\n",       // chunk size overflows
      "5\r\nhelloXX0\r\n\r\n",                           // no CRLF after the chunk data
  })
  void malformedChunkFramingGets400AndALogLine(String body) throws Exception {
    List<JsonObject> access = assertOneAnswerThenClose("POST /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + body + SMUGGLED, 400);
    assertEquals(1, access.size(), access.toString());
    assertEquals("invalid request", access.get(0).getString("message"));
    assertEquals(400, access.get(0).getInteger("status"));
    assertEquals("/hello", access.get(0).getString("path"));
  }

  @Test
  void expect100ContinueWithASmallBodyGets100ContinueBeforeTheBodyIsSent() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      RawHttp.Response interim = http.readTimeout(5000).read();
      assertEquals("HTTP/1.1 100 Continue", interim.statusLine());
      http.send("hello");
      RawHttp.Response response = http.read();
      assertEquals(405, response.status());
      assertEquals("GET, HEAD", response.header("Allow"));
    }
  }

  @Test
  void expect100ContinueWithABodyOverTheLimitGets413AndNo100() throws Exception {
    List<JsonObject> access = assertOneAnswerThenClose("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
        + "Expect: 100-continue\r\n\r\n", 413);
    assertEquals(List.of(413), access.stream().map(j -> j.getInteger("status")).toList());
  }

  @Test
  void unknownExpectationGets417() throws Exception {
    List<JsonObject> access = assertOneAnswerThenClose("GET /hello HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n"
        + SMUGGLED, 417);
    assertEquals(List.of(417), access.stream().map(j -> j.getInteger("status")).toList());
  }

  @Test
  void aGoodRequestPipelinedBehindAGoodOneIsStillAnsweredAndLogged() throws Exception {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLED.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"));
      assertEquals(200, http.read().status());
      assertEquals(404, http.read().status());
      assertEquals("", http.restUntilClosed(5000));
    }
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (log.access().size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(List.of("/hello", "/smuggled"), log.access().stream().map(j -> j.getString("path")).toList());
  }
}
