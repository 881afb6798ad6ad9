package dev.hellostack.server;

import dev.hellostack.server.HelloVerticle.ListenException;
import dev.hellostack.server.ServerConfig.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Entry point: reads the configuration from the environment, starts the server, logs one start-up
 * line, and shuts down gracefully on SIGTERM (and SIGINT) with exit code 0.
 *
 * <p>Exit codes: 0 after a graceful shutdown, 1 if start-up fails or shutdown overruns
 * SHUTDOWN_TIMEOUT_SECONDS, 2 for an invalid configuration value. An invalid value, and a HOST and
 * PORT the server cannot listen on, are one line on stderr that names the variables.
 */
public final class Main {
  private static final JsonLog LOG = JsonLog.get(Main.class);
  /** Clock ticks per second of /proc's times (USER_HZ), fixed at 100 in the kernel's user ABI. */
  private static final int CLOCK_TICKS_PER_SECOND = 100;

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
    } catch (ListenException e) {
      System.err.println(e.getMessage());
      shutdown.startFailed();
      System.exit(1);
      return;
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
        "maxConnections", config.maxConnections(),
        "shutdownTimeoutSeconds", config.shutdownTimeoutSeconds(),
        "logLevel", config.logLevel().name(),
        "accessLog", config.accessLog(),
        "java", Runtime.version().toString());
    shutdown.serverStarted(server);
  }

  /**
   * Milliseconds since the JVM started, to 10 ms: on Linux the age of the thread that runs
   * {@code main}, which the java launcher starts right after the process exec'd it; elsewhere the
   * age of the process, or, if the OS does not say, the time since {@code main} began. Call it on
   * the main thread.
   *
   * <p>Not {@link ProcessHandle.Info#startInstant()}: on Linux the JDK derives it from the boot time
   * in {@code /proc/stat}, a whole second, so it reads up to a second high; and the process may be
   * older than the JVM, as when {@code bash -c 'mvn package && java -jar ...'} execs java in the
   * shell's own process, whose start then includes the build.
   */
  static long startupMillis(long mainNanos) {
    Optional<Long> threadAge = mainThreadAgeMillis(Path.of("/proc/thread-self/stat"), Path.of("/proc/uptime"));
    if (threadAge.isPresent()) {
      return threadAge.get();
    }
    Optional<Instant> started = ProcessHandle.current().info().startInstant();
    if (started.isPresent()) {
      return Math.max(0L, Duration.between(started.get(), Instant.now()).toMillis());
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - mainNanos);
  }

  /**
   * The thread's age from its start time (field 22 of {@code stat}, clock ticks since boot) and
   * {@code uptime} (seconds since boot, to 10 ms), both on the kernel's boot clock; empty when either
   * cannot be read (not Linux).
   */
  static Optional<Long> mainThreadAgeMillis(Path stat, Path uptime) {
    try {
      String threadStat = Files.readString(stat);
      // Fields 3 onwards follow the command name, which is in parentheses and may contain spaces.
      String[] fields = threadStat.substring(threadStat.lastIndexOf(')') + 2).split(" ");
      long startTicks = Long.parseLong(fields[22 - 3]);
      String up = Files.readString(uptime);
      double upSeconds = Double.parseDouble(up.substring(0, up.indexOf(' ')));
      long ageMillis = Math.round(upSeconds * 1000) - startTicks * 1000 / CLOCK_TICKS_PER_SECOND;
      return Optional.of(Math.max(0L, ageMillis));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
