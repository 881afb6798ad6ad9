package dev.hellostack.server;

import dev.hellostack.server.ServerConfig.LogLevel;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A tiny JSON-lines logger: one JSON object per line on stdout, ready for CloudWatch Logs.
 *
 * <p>Every line has {@code time} (ISO-8601 UTC, milliseconds), {@code level} (ERROR, WARN, INFO,
 * DEBUG), {@code logger} and {@code message}, then any extra fields of the call (for example the
 * access log's {@code method}, {@code path}, {@code status}, {@code durationMs}), then
 * {@code error} and {@code stackTrace} when an exception is attached.
 *
 * <p>{@link #configure} also routes java.util.logging, which Vert.x and Netty log through when no
 * other logging library is present, into the same writer, so their messages are JSON lines too.
 * Application log calls write directly rather than through java.util.logging, so lines logged during
 * JVM shutdown are not lost when the JDK resets its log manager.
 */
public final class JsonLog {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private static volatile LogLevel threshold = LogLevel.INFO;
  private static volatile PrintStream out = System.out;

  private final String name;

  private JsonLog(String name) {
    this.name = name;
  }

  /** A logger with the given name. */
  public static JsonLog named(String name) {
    return new JsonLog(name);
  }

  /** A logger named after {@code type}. */
  public static JsonLog get(Class<?> type) {
    return new JsonLog(type.getName());
  }

  /**
   * Sets the threshold and output, and sends java.util.logging output (Vert.x, Netty) to this writer
   * at the same threshold.
   */
  public static synchronized void configure(LogLevel level, PrintStream stream) {
    threshold = level;
    out = stream;
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    root.setLevel(toJul(level));
    JulHandler handler = new JulHandler();
    handler.setLevel(toJul(level));
    root.addHandler(handler);
  }

  public static boolean enabled(LogLevel level) {
    return threshold.enables(level);
  }

  /** Logs {@code message} with extra fields given as alternating names and values. */
  public void info(String message, Object... fields) {
    log(LogLevel.INFO, message, null, fields);
  }

  public void warn(String message, Object... fields) {
    log(LogLevel.WARN, message, null, fields);
  }

  public void debug(String message, Object... fields) {
    log(LogLevel.DEBUG, message, null, fields);
  }

  public void error(String message, Throwable error, Object... fields) {
    log(LogLevel.ERROR, message, error, fields);
  }

  public void log(LogLevel level, String message, Throwable error, Object... fields) {
    if (enabled(level)) {
      write(format(Instant.now(), level.name(), name, message, error, fields));
    }
  }

  private static void write(String line) {
    PrintStream stream = out;
    synchronized (stream) {
      stream.print(line);
      stream.print('\n');
      stream.flush();
    }
  }

  /** One log line (without the newline). {@code fields} alternate names (strings) and values. */
  static String format(Instant time, String level, String logger, String message, Throwable error,
      Object... fields) {
    StringBuilder sb = new StringBuilder(160);
    sb.append("{\"time\":\"").append(TIME.format(time)).append("\",\"level\":");
    Json.appendQuoted(sb, level);
    sb.append(",\"logger\":");
    Json.appendQuoted(sb, logger == null ? "" : logger);
    sb.append(",\"message\":");
    Json.appendQuoted(sb, message == null ? "" : message);
    for (int i = 0; i + 1 < fields.length; i += 2) {
      sb.append(',');
      Json.appendQuoted(sb, String.valueOf(fields[i]));
      sb.append(':');
      Json.appendValue(sb, fields[i + 1]);
    }
    if (error != null) {
      sb.append(",\"error\":");
      Json.appendQuoted(sb, error.toString());
      StringWriter trace = new StringWriter();
      error.printStackTrace(new PrintWriter(trace));
      sb.append(",\"stackTrace\":");
      Json.appendQuoted(sb, trace.toString());
    }
    return sb.append('}').toString();
  }

  static Level toJul(LogLevel level) {
    return switch (level) {
      case ERROR -> Level.SEVERE;
      case WARN -> Level.WARNING;
      case INFO -> Level.INFO;
      case DEBUG -> Level.FINE;
    };
  }

  static String levelName(Level level) {
    int value = level.intValue();
    if (value >= Level.SEVERE.intValue()) {
      return "ERROR";
    } else if (value >= Level.WARNING.intValue()) {
      return "WARN";
    } else if (value >= Level.CONFIG.intValue()) {
      return "INFO";
    }
    return "DEBUG";
  }

  /** Routes java.util.logging records into the JSON writer. */
  static final class JulHandler extends Handler {
    private final Formatter messages = new Formatter() {
      @Override
      public String format(LogRecord logRecord) {
        return formatMessage(logRecord);
      }
    };

    @Override
    public void publish(LogRecord logRecord) {
      if (logRecord == null || !isLoggable(logRecord)) {
        return;
      }
      String message;
      try {
        message = messages.format(logRecord);
      } catch (RuntimeException e) {
        message = String.valueOf(logRecord.getMessage());
      }
      write(format(logRecord.getInstant(), levelName(logRecord.getLevel()), logRecord.getLoggerName(),
          message, logRecord.getThrown()));
    }

    @Override
    public void flush() {
      out.flush();
    }

    @Override
    public void close() {
      flush();
    }
  }
}
