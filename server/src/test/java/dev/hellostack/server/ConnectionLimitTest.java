package dev.hellostack.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** MAX_CONNECTIONS on a real server over raw sockets. */
class ConnectionLimitTest {
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

  @Test
  void pastMaxConnectionsNewConnectionsAreClosedAtOnceAndTheOthersKeepBeingServed() throws Exception {
    server = TestServers.start(TestServers.config("MAX_CONNECTIONS", "20", "ACCESS_LOG", "true"));
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
