package dev.hellostack.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP contract, through real HTTP on an ephemeral port. */
@ExtendWith(VertxExtension.class)
class HttpBehaviourTest {
  private static HelloServer server;
  private static WebClient client;
  private static HttpClient httpClient;

  @BeforeAll
  static void startServer(Vertx vertx) throws Exception {
    server = TestServers.start();
    WebClientOptions options = new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(server.port());
    client = WebClient.create(vertx, options);
    httpClient = vertx.createHttpClient(options);
  }

  @AfterAll
  static void stopServer() throws Exception {
    TestServers.stop(server);
  }

  private static HttpResponse<Buffer> send(HttpMethod method, String uri) throws Exception {
    return client.request(method, uri).send().await(10, TimeUnit.SECONDS);
  }

  private static HttpResponse<Buffer> sendBody(HttpMethod method, String uri, Buffer body) throws Exception {
    return client.request(method, uri).sendBuffer(body).await(10, TimeUnit.SECONDS);
  }

  @Test
  void getHelloAnswersExactlyHelloWorldAsUtf8PlainText() throws Exception {
    HttpResponse<Buffer> response = send(HttpMethod.GET, "/hello");
    assertEquals(200, response.statusCode());
    assertEquals("Hello world", response.bodyAsString());
    assertEquals("text/plain; charset=utf-8", response.getHeader("Content-Type"));
    assertEquals("11", response.getHeader("Content-Length"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/hello?name=x", "/./hello", "/x/../hello", "/%68ello", "//hello"})
  void pathsAreMatchedAfterRfc3986Normalization(String path) throws Exception {
    HttpResponse<Buffer> response = send(HttpMethod.GET, path);
    assertEquals(200, response.statusCode(), path);
    assertEquals("Hello world", response.bodyAsString(), path);
  }

  @Test
  void getHelloWithAQueryStringStillAnswersHelloWorld() throws Exception {
    HttpResponse<Buffer> response = send(HttpMethod.GET, "/hello?name=x");
    assertEquals(200, response.statusCode());
    assertEquals("Hello world", response.bodyAsString());
  }

  @Test
  void responsesCarryNoServerOrVersionHeader() throws Exception {
    for (String path : new String[] {"/hello", "/", "/health", "/missing"}) {
      HttpResponse<Buffer> response = send(HttpMethod.GET, path);
      assertNull(response.getHeader("Server"), path);
      assertNull(response.getHeader("X-Powered-By"), path);
    }
  }

  @Test
  void headHelloAnswersTheSameHeadersWithoutABody() throws Exception {
    HttpResponse<Buffer> get = send(HttpMethod.GET, "/hello");
    HttpResponse<Buffer> head = send(HttpMethod.HEAD, "/hello");
    assertEquals(200, head.statusCode());
    assertEquals(get.headers().toString(), head.headers().toString());
    assertTrue(head.body() == null || head.body().length() == 0);
  }

  @Test
  void rootAnswersAPlainTextLinePointingToHello() throws Exception {
    HttpResponse<Buffer> response = send(HttpMethod.GET, "/");
    assertEquals(200, response.statusCode());
    assertEquals("text/plain; charset=utf-8", response.getHeader("Content-Type"));
    assertEquals(Replies.ROOT_TEXT, response.bodyAsString());
    assertTrue(response.bodyAsString().contains("/hello"));
    assertEquals(1, response.bodyAsString().split("\n").length);
  }

  @Test
  void headRootAnswers200WithoutABody() throws Exception {
    HttpResponse<Buffer> response = send(HttpMethod.HEAD, "/");
    assertEquals(200, response.statusCode());
    assertEquals(String.valueOf(Replies.ROOT_TEXT.length()), response.getHeader("Content-Length"));
    assertTrue(response.body() == null || response.body().length() == 0);
  }

  @Test
  void healthAnswersUpAsUncachedJsonWhileServing() throws Exception {
    HttpResponse<Buffer> response = send(HttpMethod.GET, "/health");
    assertEquals(200, response.statusCode());
    assertEquals("application/json", response.getHeader("Content-Type"));
    assertEquals("no-store", response.getHeader("Cache-Control"));
    assertEquals(new JsonObject().put("status", "UP"), response.bodyAsJsonObject());
    assertEquals("{\"status\":\"UP\"}", response.bodyAsString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"})
  void otherMethodsOnKnownPathsGet405WithAnAllowHeader(String method) throws Exception {
    for (String path : new String[] {"/hello", "/", "/health"}) {
      HttpResponse<Buffer> response = send(HttpMethod.valueOf(method), path);
      assertEquals(405, response.statusCode(), method + " " + path);
      assertEquals("GET, HEAD", response.getHeader("Allow"), method + " " + path);
      if (!method.equals("HEAD")) {
        assertEquals("Method Not Allowed\n", response.bodyAsString(), method + " " + path);
      }
    }
  }

  @Test
  void postWithASmallBodyGets405NotAnError() throws Exception {
    HttpResponse<Buffer> response = sendBody(HttpMethod.POST, "/hello", Buffer.buffer("x=1"));
    assertEquals(405, response.statusCode());
    assertEquals("GET, HEAD", response.getHeader("Allow"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/missing", "/hello/", "/hello/.", "/health/", "/HELLO", "/hello/world", "/health/x",
      "/favicon.ico"})
  void unknownPathsGet404WithAShortTextBody(String path) throws Exception {
    HttpResponse<Buffer> response = send(HttpMethod.GET, path);
    assertEquals(404, response.statusCode());
    assertEquals("Not Found\n", response.bodyAsString());
    assertEquals("text/plain; charset=utf-8", response.getHeader("Content-Type"));
  }

  @Test
  void getWithABodyWithinTheLimitIsAnsweredNormally() throws Exception {
    HttpResponse<Buffer> response =
        sendBody(HttpMethod.GET, "/hello", Buffer.buffer(new byte[Endpoints.MAX_BODY_BYTES]));
    assertEquals(200, response.statusCode());
    assertEquals("Hello world", response.bodyAsString());
  }

  @Test
  void bodyOverTheLimitWithContentLengthGets413AndConnectionClose() throws Exception {
    HttpResponse<Buffer> response =
        sendBody(HttpMethod.POST, "/hello", Buffer.buffer(new byte[Endpoints.MAX_BODY_BYTES + 1]));
    assertEquals(413, response.statusCode());
    assertEquals("Payload Too Large\n", response.bodyAsString());
    assertEquals("close", response.getHeader("Connection"));
    assertEquals("Hello world", send(HttpMethod.GET, "/hello").bodyAsString());
  }

  /** Sends a chunked request body in {@code chunks}; returns "status body". */
  private static String sendChunked(HttpMethod method, String uri, Buffer... chunks) throws Exception {
    return httpClient.request(new RequestOptions().setMethod(method).setURI(uri))
        .compose(req -> {
          req.setChunked(true);
          for (Buffer chunk : chunks) {
            req.write(chunk);
          }
          req.end();
          return req.response()
              .compose(resp -> resp.body().map(body -> resp.statusCode() + " " + body));
        })
        .await(10, TimeUnit.SECONDS);
  }

  @Test
  void chunkedBodyOverTheLimitGets413() throws Exception {
    Buffer half = Buffer.buffer(new byte[Endpoints.MAX_BODY_BYTES / 2]);
    assertEquals("413 Payload Too Large\n", sendChunked(HttpMethod.GET, "/hello", half, half, half));
    assertEquals("Hello world", send(HttpMethod.GET, "/hello").bodyAsString());
  }

  @Test
  void chunkedBodyWithinTheLimitIsAnsweredNormally() throws Exception {
    assertEquals("200 {\"status\":\"UP\"}",
        sendChunked(HttpMethod.GET, "/health", Buffer.buffer("abc"), Buffer.buffer("def")));
  }

  @Test
  void headerBlockOver8KiBGets431() throws Exception {
    HttpResponse<Buffer> response = client.get("/hello").putHeader("X-Big", "a".repeat(9000)).send()
        .await(10, TimeUnit.SECONDS);
    assertEquals(431, response.statusCode());
    assertEquals("Request Header Fields Too Large\n", response.bodyAsString());
    assertEquals("Hello world", send(HttpMethod.GET, "/hello").bodyAsString());
  }

  @Test
  void headersJustUnder8KiBAreAccepted() throws Exception {
    HttpResponse<Buffer> response = client.get("/hello").putHeader("X-Big", "a".repeat(7000)).send()
        .await(10, TimeUnit.SECONDS);
    assertEquals(200, response.statusCode());
  }

  @Test
  void requestLineOver4KiBGets414() throws Exception {
    HttpResponse<Buffer> response = send(HttpMethod.GET, "/hello?q=" + "a".repeat(5000));
    assertEquals(414, response.statusCode());
    assertEquals("URI Too Long\n", response.bodyAsString());
    assertEquals("Hello world", send(HttpMethod.GET, "/hello").bodyAsString());
  }

  @Test
  void keepAliveConnectionServesManyRequests() throws Exception {
    for (int i = 0; i < 50; i++) {
      HttpResponse<Buffer> response = send(HttpMethod.GET, "/hello");
      assertEquals(200, response.statusCode());
      assertFalse("close".equalsIgnoreCase(response.getHeader("Connection")));
    }
  }
}
