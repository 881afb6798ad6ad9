package dev.hellostack.server;

import dev.hellostack.server.ServerConfig.ConfigException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Entry point: reads the configuration from the environment, starts the server, logs one start-up
 * line, and shuts down gracefully on SIGTERM (and SIGINT) with exit code 0.
 *
 * <p>Exit codes: 0 after a graceful shutdown, 1 if start-up fails or shutdown overruns
 * SHUTDOWN_TIMEOUT_SECONDS, 2 for an invalid configuration value.
 */
public final class Main {
  private static final JsonLog LOG = JsonLog.get(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
    long mainNanos = System.nanoTime();
    ServerConfig config;
    try {
      config = ServerConfig.fromEnv(System.getenv());
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    JsonLog.configure(config.logLevel(), System.out);
    ShutdownHandler shutdown = ShutdownHandler.install(Duration.ofSeconds(config.shutdownTimeoutSeconds()));

    HelloServer server;
    try {
      server = HelloServer.start(config).await(60, TimeUnit.SECONDS);
    } catch (Throwable e) {
      LOG.error("start-up failed", e, "host", config.host(), "port", config.port());
      shutdown.startFailed();
      System.exit(1);
      return;
    }

    LOG.info("server started",
        "host", config.host(),
        "port", server.port(),
        "eventLoops", config.eventLoops(),
        "transport", server.transport(),
        "startupMs", startupMillis(mainNanos),
        "idleTimeoutSeconds", config.idleTimeoutSeconds(),
        "headerTimeoutSeconds", config.headerTimeoutSeconds(),
        "maxConnections", config.maxConnections(),
        "shutdownTimeoutSeconds", config.shutdownTimeoutSeconds(),
        "logLevel", config.logLevel().name(),
        "accessLog", config.accessLog(),
        "java", Runtime.version().toString());
    shutdown.serverStarted(server);
  }

  /** Milliseconds since the JVM process started (or, if the OS does not say, since main began). */
  static long startupMillis(long mainNanos) {
    Optional<Instant> started = ProcessHandle.current().info().startInstant();
    if (started.isPresent()) {
      return Math.max(0L, Duration.between(started.get(), Instant.now()).toMillis());
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - mainNanos);
  }
}
