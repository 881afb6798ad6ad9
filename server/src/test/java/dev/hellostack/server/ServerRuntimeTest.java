package dev.hellostack.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hellostack.server.ServerConfig.LogLevel;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Transport choice, instance count and the access log, on real servers. */
class ServerRuntimeTest {

  @Test
  void nativeEpollTransportIsUsedOnLinux() throws Exception {
    Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux"), "epoll exists only on Linux");
    HelloServer server = TestServers.start();
    try {
      assertEquals("epoll", server.transport());
      assertEquals("Hello world", RawHttp.getHello(server.port()).body());
    } finally {
      TestServers.stop(server);
    }
  }

  @Test
  void withoutTheNativeTransportTheServerFallsBackToNioAndStillServes() throws Exception {
    HelloServer server = HelloServer.start(TestServers.config(75, 20), false).await(30, TimeUnit.SECONDS);
    try {
      assertEquals("nio", server.transport());
      assertEquals("Hello world", RawHttp.getHello(server.port()).body());
    } finally {
      TestServers.stop(server);
    }
  }

  @Test
  void oneServerInstancePerEventLoopSharesOnePort() throws Exception {
    ServerConfig config = new ServerConfig("127.0.0.1", 0, 75, 10, 10_000, 20, 3, LogLevel.INFO, false);
    HelloServer server = TestServers.start(config);
    try {
      assertEquals(3, server.instances());
      for (int i = 0; i < 12; i++) {
        assertEquals("Hello world", RawHttp.getHello(server.port()).body());
      }
    } finally {
      TestServers.stop(server);
    }
  }

  @Test
  void accessLogWritesOneJsonLinePerRequestWhenEnabled() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    JsonLog.configure(LogLevel.INFO, new PrintStream(captured, true, StandardCharsets.UTF_8));
    ServerConfig config = new ServerConfig("127.0.0.1", 0, 75, 10, 10_000, 20, 1, LogLevel.INFO, true);
    HelloServer server = TestServers.start(config);
    try {
      RawHttp.getHello(server.port());
      try (RawHttp http = new RawHttp(server.port())) {
        http.send("DELETE /health?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").read();
      }
      List<JsonObject> access = awaitAccessLines(captured, 2);
      assertEquals("GET", access.get(0).getString("method"));
      assertEquals("/hello", access.get(0).getString("path"));
      assertEquals(200, access.get(0).getInteger("status"));
      assertTrue(access.get(0).getDouble("durationMs") >= 0);
      assertEquals("DELETE", access.get(1).getString("method"));
      assertEquals("/health", access.get(1).getString("path"), "the query string is not logged");
      assertEquals(405, access.get(1).getInteger("status"));
    } finally {
      TestServers.stop(server);
      JsonLog.configure(LogLevel.INFO, System.out);
    }
  }

  @Test
  void noAccessLogLinesWhenDisabled() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    JsonLog.configure(LogLevel.DEBUG, new PrintStream(captured, true, StandardCharsets.UTF_8));
    HelloServer server = TestServers.start();
    try {
      for (int i = 0; i < 5; i++) {
        RawHttp.getHello(server.port());
      }
      assertEquals(List.of(), accessLines(captured));
    } finally {
      TestServers.stop(server);
      JsonLog.configure(LogLevel.INFO, System.out);
    }
  }

  @Test
  void startOnAPortInUseFailsInsteadOfHanging() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      ServerConfig config =
          new ServerConfig("127.0.0.1", taken.getLocalPort(), 75, 10, 10_000, 20, 2, LogLevel.INFO, false);
      io.vertx.core.Future<HelloServer> start = HelloServer.start(config);
      Exception failure = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
          () -> start.await(10, TimeUnit.SECONDS));
      assertTrue(String.valueOf(failure.getMessage()).contains("in use"), String.valueOf(failure));
    }
  }

  private static List<JsonObject> accessLines(ByteArrayOutputStream captured) {
    return Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\n"))
        .filter(l -> !l.isEmpty())
        .map(JsonObject::new)
        .filter(j -> "dev.hellostack.server.access".equals(j.getString("logger")))
        .toList();
  }

  private static List<JsonObject> awaitAccessLines(ByteArrayOutputStream captured, int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<JsonObject> lines;
    while ((lines = accessLines(captured)).size() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(count, lines.size(), lines.toString());
    return lines;
  }
}
