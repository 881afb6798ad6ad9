package dev.hellostack.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HEADER_TIMEOUT_SECONDS and MAX_CONNECTIONS on real servers over raw sockets. The head-deadline
 * tests measure time, as they must; the deadline is short (2 s) so they stay quick.
 */
class LimitsTest {
  private static final int HEADER_TIMEOUT_SECONDS = 2;

  private HelloServer server;
  private CapturedLog log;

  @BeforeEach
  void captureLog() {
    log = new CapturedLog();
  }

  @AfterEach
  void stop() throws Exception {
    TestServers.stop(server);
    log.close();
  }

  /** Sends {@code text} one byte a second on its own thread until it is sent or the server closes. */
  private static CompletableFuture<Void> dribble(RawHttp http, String text) {
    return CompletableFuture.runAsync(() -> {
      try {
        for (char c : text.toCharArray()) {
          http.send(String.valueOf(c));
          Thread.sleep(1000);
        }
      } catch (IOException e) {
        // the server closed the connection: the point of the test
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  @Test
  void headDribbledOneByteASecondGets408AtTheHeaderTimeoutWhileOthersAreServed() throws Exception {
    server = TestServers.start(TestServers.config(HEADER_TIMEOUT_SECONDS, 10_000, true));
    try (RawHttp slow = new RawHttp(server.port())) {
      long start = System.nanoTime();
      CompletableFuture<Void> dribbling = dribble(slow, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaa\r\n\r\n"
          + "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
      Thread.sleep(500);
      // Meanwhile a normal request on another connection is answered at once.
      assertEquals("Hello world", RawHttp.getHello(server.port()).body());
      RawHttp.Response response = slow.read();
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(408, response.status(), response.statusLine());
      assertEquals("Request Timeout\n", response.body());
      assertEquals("close", response.header("Connection"));
      assertEquals("", slow.restUntilClosed(5000), "a second response came back");
      assertTrue(elapsedMillis >= HEADER_TIMEOUT_SECONDS * 1000L - 200, "408 too early: " + elapsedMillis + " ms");
      assertTrue(elapsedMillis < HEADER_TIMEOUT_SECONDS * 1000L + 3000, "408 too late: " + elapsedMillis + " ms");
      dribbling.get(10, TimeUnit.SECONDS);
    }
    List<JsonObject> access = log.access();
    assertEquals(List.of(200, 408), access.stream().map(j -> j.getInteger("status")).toList(), access.toString());
  }

  @Test
  void headCompletedWithinTheHeaderTimeoutIsAnswered() throws Exception {
    server = TestServers.start(TestServers.config(HEADER_TIMEOUT_SECONDS, 10_000, false));
    try (RawHttp http = new RawHttp(server.port())) {
      for (String part : new String[] {"GET /hel", "lo HTTP/1.1\r\nHo", "st: x\r\n\r\n"}) {
        http.send(part);
        Thread.sleep(300);
      }
      assertEquals("Hello world", http.read().body());
    }
  }

  @Test
  void idleKeepAliveConnectionOutlivesTheHeaderTimeout() throws Exception {
    server = TestServers.start(TestServers.config(HEADER_TIMEOUT_SECONDS, 10_000, false));
    try (RawHttp http = new RawHttp(server.port())) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals(200, http.read().status());
      assertFalse(http.closedWithin(HEADER_TIMEOUT_SECONDS * 1000L + 1000), "idle connection closed at the head deadline");
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals("Hello world", http.read().body());
    }
  }

  @Test
  void silentNewConnectionIsLeftToTheIdleTimeout() throws Exception {
    server = TestServers.start(TestServers.config(HEADER_TIMEOUT_SECONDS, 10_000, false));
    try (RawHttp http = new RawHttp(server.port())) {
      assertFalse(http.closedWithin(HEADER_TIMEOUT_SECONDS * 1000L + 1000), "silent connection closed at the head deadline");
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals("Hello world", http.read().body());
    }
  }

  @Test
  void pastMaxConnectionsNewConnectionsAreClosedAtOnceAndTheOthersKeepBeingServed() throws Exception {
    server = TestServers.start(TestServers.config(10, 20, true));
    int port = server.port();
    List<RawHttp> connections = new ArrayList<>();
    try {
      long start = System.nanoTime();
      for (int i = 0; i < 25; i++) {
        // Each sends a request at once; one past the cap must see neither an answer nor a log line.
        connections.add(new RawHttp(port).send("GET /hello?n=" + i + " HTTP/1.1\r\nHost: x\r\n\r\n"));
      }
      List<RawHttp> served = new ArrayList<>();
      int closed = 0;
      for (RawHttp http : connections) {
        try {
          assertEquals("Hello world", http.read().body());
          served.add(http);
        } catch (IOException e) {
          closed++; // closed (or reset) before any answer
        }
      }
      long elapsedSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
      assertEquals(20, served.size());
      assertEquals(5, closed);
      // The connections in service keep being served.
      for (RawHttp http : served) {
        assertEquals("Hello world", http.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
      }
      // At the cap a new connection is closed; once some close, /hello answers again.
      assertTrue(connectionClosedUnanswered(port), "a connection past the cap was served");
      for (int i = 0; i < 5; i++) {
        served.get(i).close();
      }
      assertEquals("Hello world", helloOnceAdmitted(port));
      List<JsonObject> warnings = log.lines("dev.hellostack.server.ConnectionLimit");
      assertTrue(warnings.size() >= 1 && warnings.size() <= 2 + elapsedSeconds, warnings.toString());
      assertEquals(20, warnings.get(0).getInteger("maxConnections"));
      // One line per answer: 20 first requests, 20 second ones, the last /hello; none for the refused.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (log.access().size() < 41 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(41, log.access().size(), log.access().toString());
    } finally {
      for (RawHttp http : connections) {
        http.close();
      }
    }
  }

  private static boolean connectionClosedUnanswered(int port) throws IOException {
    try (RawHttp http = new RawHttp(port)) {
      http.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").read();
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** GET /hello on new connections until one is admitted (the server counts closes as they happen). */
  private static String helloOnceAdmitted(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      try {
        return RawHttp.getHello(port).body();
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }
}
