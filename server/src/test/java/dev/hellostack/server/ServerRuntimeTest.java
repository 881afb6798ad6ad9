package dev.hellostack.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hellostack.server.HelloVerticle.ListenException;
import dev.hellostack.server.ServerConfig.LogLevel;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
    HelloServer server = HelloServer.start(TestServers.config(), false).await(30, TimeUnit.SECONDS);
    try {
      assertEquals("nio", server.transport());
      assertEquals("Hello world", RawHttp.getHello(server.port()).body());
    } finally {
      TestServers.stop(server);
    }
  }

  @Test
  void oneServerInstancePerEventLoopSharesOnePort() throws Exception {
    HelloServer server = TestServers.start(TestServers.config("EVENT_LOOPS", "3"));
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
    try (CapturedLog log = new CapturedLog(LogLevel.INFO)) {
      HelloServer server = TestServers.start(TestServers.config("EVENT_LOOPS", "1", "ACCESS_LOG", "true"));
      try {
        RawHttp.getHello(server.port());
        try (RawHttp http = new RawHttp(server.port())) {
          http.send("DELETE /health?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").read();
        }
        List<JsonObject> access = awaitAccessLines(log, 2);
        assertEquals("GET", access.get(0).getString("method"));
        assertEquals("/hello", access.get(0).getString("path"));
        assertEquals(200, access.get(0).getInteger("status"));
        assertTrue(access.get(0).getDouble("durationMs") >= 0);
        assertEquals("DELETE", access.get(1).getString("method"));
        assertEquals("/health", access.get(1).getString("path"), "the query string is not logged");
        assertEquals(405, access.get(1).getInteger("status"));
      } finally {
        TestServers.stop(server);
      }
    }
  }

  @Test
  void noAccessLogLinesWhenDisabled() throws Exception {
    try (CapturedLog log = new CapturedLog(LogLevel.DEBUG)) {
      HelloServer server = TestServers.start();
      try {
        for (int i = 0; i < 5; i++) {
          RawHttp.getHello(server.port());
        }
        assertEquals(List.of(), log.access());
      } finally {
        TestServers.stop(server);
      }
    }
  }

  @Test
  void startOnAPortInUseFailsWithALineNamingHostAndPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      Future<HelloServer> start = HelloServer.start(TestServers.config("PORT", Integer.toString(port)));
      ListenException failure = assertThrows(ListenException.class, () -> start.await(10, TimeUnit.SECONDS));
      assertEquals("cannot listen on 127.0.0.1:" + port + " (HOST, PORT): Address already in use", failure.getMessage());
    }
  }

  @Test
  void listenFailureReasonIsTheOperatingSystemsWithoutTheCallThatFailed() {
    assertEquals("Address already in use",
        ListenException.reason(new IOException("bind(..) failed: Address already in use")));
    assertEquals("Address already in use", ListenException.reason(new BindException("Address already in use")));
    assertEquals("BindException", ListenException.reason(new BindException()));
  }

  private static List<JsonObject> awaitAccessLines(CapturedLog log, int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<JsonObject> lines;
    while ((lines = log.access()).size() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(count, lines.size(), lines.toString());
    return lines;
  }
}
