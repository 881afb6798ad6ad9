package dev.hellostack.server;

import dev.hellostack.server.ServerConfig.LogLevel;
import java.util.concurrent.TimeUnit;

/** Starts real servers on a free loopback port for tests. */
final class TestServers {
  private TestServers() {
  }

  static ServerConfig config(int idleTimeoutSeconds, int shutdownTimeoutSeconds) {
    return new ServerConfig("127.0.0.1", 0, idleTimeoutSeconds, 10, 10_000, shutdownTimeoutSeconds, 2, LogLevel.INFO, false);
  }

  /** A server with the access log on, a given head deadline and connection cap. */
  static ServerConfig config(int headerTimeoutSeconds, int maxConnections, boolean accessLog) {
    return new ServerConfig("127.0.0.1", 0, 75, headerTimeoutSeconds, maxConnections, 5, 2, LogLevel.INFO, accessLog);
  }

  static HelloServer start(ServerConfig config) throws Exception {
    return HelloServer.start(config).await(30, TimeUnit.SECONDS);
  }

  static HelloServer start() throws Exception {
    return start(config(75, 20));
  }

  static void stop(HelloServer server) throws Exception {
    if (server != null) {
      server.shutdown().await(30, TimeUnit.SECONDS);
    }
  }
}
