package dev.hellostack.server;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts real servers on a free loopback port for tests. */
final class TestServers {
  private TestServers() {
  }

  /**
   * The configuration the server reads from an environment of {@code variables} (alternating names
   * and values) on top of HOST=127.0.0.1, PORT=0 (a free port) and EVENT_LOOPS=2; everything else
   * takes its default.
   */
  static ServerConfig config(String... variables) {
    Map<String, String> env = new HashMap<>(Map.of("HOST", "127.0.0.1", "PORT", "0", "EVENT_LOOPS", "2"));
    for (int i = 0; i + 1 < variables.length; i += 2) {
      env.put(variables[i], variables[i + 1]);
    }
    return ServerConfig.fromEnv(env);
  }

  static HelloServer start(ServerConfig config) throws Exception {
    return HelloServer.start(config).await(30, TimeUnit.SECONDS);
  }

  static HelloServer start() throws Exception {
    return start(config());
  }

  static void stop(HelloServer server) throws Exception {
    if (server != null) {
      server.shutdown().await(30, TimeUnit.SECONDS);
    }
  }
}
