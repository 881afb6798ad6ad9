package dev.hellostack.server;

import com.sun.management.UnixOperatingSystemMXBean;
import io.vertx.core.json.Json;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The server's configuration, read once from environment variables at start-up.
 *
 * <p>{@link #fromEnv(Map, int, long)} is pure: it only looks at what it is given, so every case can be
 * unit-tested. An invalid value raises a {@link ConfigException} whose message is the single line
 * printed before the process exits with code 2.
 *
 * @param host the address to bind (HOST, default {@code 0.0.0.0})
 * @param port the TCP port (PORT, default 8888; 0 picks a free port, which the start-up log reports)
 * @param idleTimeoutSeconds close connections idle this long (IDLE_TIMEOUT_SECONDS, default
 *     {@link #DEFAULT_IDLE_TIMEOUT_SECONDS})
 * @param maxConnections connections served at once; past it new ones are closed at once
 *     (MAX_CONNECTIONS, default: the open-file limit less {@link #RESERVED_FILES})
 * @param shutdownTimeoutSeconds the longest a graceful shutdown may take (SHUTDOWN_TIMEOUT_SECONDS, default 20)
 * @param eventLoops event loops and server instances (EVENT_LOOPS, default: available processors)
 * @param logLevel the minimum level logged (LOG_LEVEL, default INFO)
 * @param accessLog whether every request is logged (ACCESS_LOG, default false)
 */
public record ServerConfig(
    String host,
    int port,
    int idleTimeoutSeconds,
    int maxConnections,
    int shutdownTimeoutSeconds,
    int eventLoops,
    LogLevel logLevel,
    boolean accessLog) {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 8888;
  /**
   * The IDLE_TIMEOUT_SECONDS default. It must stay above the load balancer's idle timeout (60 s on
   * AWS), so that the balancer, not the server, closes an idle keep-alive connection: were the server
   * to close first, the balancer could send a request down the connection just as it closes, and its
   * client would get a 502.
   */
  public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 75;
  public static final int DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 20;
  /**
   * File descriptors kept back from the open-file limit for the JVM itself (jars, native libraries,
   * epoll and event descriptors, the listening socket, stdout): the MAX_CONNECTIONS default is the
   * limit less these, so accept() never fails for want of a descriptor.
   */
  public static final int RESERVED_FILES = 100;
  /** The MAX_CONNECTIONS default when the open-file limit is unknown (not a Unix JVM). */
  static final int FALLBACK_MAX_CONNECTIONS = 10_000;

  static final int MAX_PORT = 65535;
  static final int MAX_IDLE_TIMEOUT_SECONDS = 3600;
  static final int MAX_SHUTDOWN_TIMEOUT_SECONDS = 300;
  static final int MAX_MAX_CONNECTIONS = 1_000_000;
  static final int MAX_EVENT_LOOPS = 256;

  /** IPv4/IPv6 literals and DNS names: letters, digits, '.', '-', ':' and '%' (IPv6 zone). */
  private static final Pattern HOST_PATTERN = Pattern.compile("[A-Za-z0-9.:%\\-]{1,253}");

  /** Log levels, most severe first. */
  public enum LogLevel {
    ERROR, WARN, INFO, DEBUG
  }

  public ServerConfig {
    requireRange("PORT", port, 0, MAX_PORT);
    requireRange("IDLE_TIMEOUT_SECONDS", idleTimeoutSeconds, 1, MAX_IDLE_TIMEOUT_SECONDS);
    requireRange("MAX_CONNECTIONS", maxConnections, 1, MAX_MAX_CONNECTIONS);
    requireRange("SHUTDOWN_TIMEOUT_SECONDS", shutdownTimeoutSeconds, 1, MAX_SHUTDOWN_TIMEOUT_SECONDS);
    requireRange("EVENT_LOOPS", eventLoops, 1, MAX_EVENT_LOOPS);
    if (host == null || !HOST_PATTERN.matcher(host).matches()) {
      throw new IllegalArgumentException("invalid host " + host);
    }
    if (logLevel == null) {
      throw new IllegalArgumentException("logLevel is required");
    }
  }

  private static void requireRange(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be " + min + "-" + max + ", was " + value);
    }
  }

  /**
   * Reads the configuration; the EVENT_LOOPS default is the number of processors this JVM may use,
   * the MAX_CONNECTIONS default follows this process's open-file limit.
   */
  public static ServerConfig fromEnv(Map<String, String> env) {
    return fromEnv(env, Runtime.getRuntime().availableProcessors(), openFileLimit());
  }

  /**
   * Reads the configuration from {@code env}; unset variables take their defaults.
   *
   * @param defaultEventLoops the EVENT_LOOPS default (the number of available processors)
   * @param openFileLimit the process's open-file limit, or -1 if unknown (sets the MAX_CONNECTIONS default)
   * @throws ConfigException naming the variable, its value and what is allowed
   */
  public static ServerConfig fromEnv(Map<String, String> env, int defaultEventLoops, long openFileLimit) {
    String host = env.get("HOST");
    if (host == null) {
      host = DEFAULT_HOST;
    } else if (!HOST_PATTERN.matcher(host).matches()) {
      throw invalid("HOST", host, "an IP address or host name, e.g. 0.0.0.0 or 127.0.0.1");
    }
    int port = intVar(env, "PORT", DEFAULT_PORT, 0, MAX_PORT, " (0 picks a free port)");
    int idle = intVar(env, "IDLE_TIMEOUT_SECONDS", DEFAULT_IDLE_TIMEOUT_SECONDS, 1, MAX_IDLE_TIMEOUT_SECONDS, "");
    int connections = intVar(env, "MAX_CONNECTIONS", defaultMaxConnections(openFileLimit), 1,
        MAX_MAX_CONNECTIONS, "");
    int shutdown = intVar(env, "SHUTDOWN_TIMEOUT_SECONDS", DEFAULT_SHUTDOWN_TIMEOUT_SECONDS, 1,
        MAX_SHUTDOWN_TIMEOUT_SECONDS, "");
    int loops = intVar(env, "EVENT_LOOPS", Math.max(1, Math.min(defaultEventLoops, MAX_EVENT_LOOPS)), 1,
        MAX_EVENT_LOOPS, "");
    LogLevel level = logLevel(env);
    boolean accessLog = boolVar(env, "ACCESS_LOG", false);
    return new ServerConfig(host, port, idle, connections, shutdown, loops, level, accessLog);
  }

  /** The open-file limit less {@link #RESERVED_FILES} (at least 1), or a fixed default if unknown. */
  static int defaultMaxConnections(long openFileLimit) {
    if (openFileLimit <= 0) {
      return FALLBACK_MAX_CONNECTIONS;
    }
    return (int) Math.max(1, Math.min(MAX_MAX_CONNECTIONS, openFileLimit - RESERVED_FILES));
  }

  /** This process's open-file limit (the JVM raises the soft limit to the hard one), or -1. */
  static long openFileLimit() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
      return unix.getMaxFileDescriptorCount();
    }
    return -1;
  }

  private static int intVar(Map<String, String> env, String name, int def, int min, int max, String note) {
    String raw = env.get(name);
    if (raw == null) {
      return def;
    }
    String expected = "an integer " + min + "-" + max + note;
    // Digits only: no sign, no spaces, no "8_080"; at most 9 digits so parseInt cannot overflow.
    if (raw.isEmpty() || raw.length() > 9 || !raw.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw invalid(name, raw, expected);
    }
    int value = Integer.parseInt(raw);
    if (value < min || value > max) {
      throw invalid(name, raw, expected);
    }
    return value;
  }

  private static boolean boolVar(Map<String, String> env, String name, boolean def) {
    String raw = env.get(name);
    if (raw == null) {
      return def;
    }
    switch (raw.toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw invalid(name, raw, "true or false");
    }
  }

  private static LogLevel logLevel(Map<String, String> env) {
    String raw = env.get("LOG_LEVEL");
    if (raw == null) {
      return LogLevel.INFO;
    }
    for (LogLevel level : LogLevel.values()) {
      if (level.name().equalsIgnoreCase(raw)) {
        return level;
      }
    }
    throw invalid("LOG_LEVEL", raw, "one of ERROR, WARN, INFO, DEBUG (any case)");
  }

  private static ConfigException invalid(String name, String value, String expected) {
    return new ConfigException("invalid " + name + "=" + Json.encode(value) + ": expected " + expected);
  }

  /** An invalid environment variable; the message is one line naming it, its value and what is allowed. */
  public static final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ConfigException(String message) {
      super(message);
    }
  }
}
