package dev.hellostack.server;

import dev.hellostack.server.ServerConfig.LogLevel;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * JSON-lines logging on java.util.logging: one JSON object per line on stdout, ready for CloudWatch
 * Logs, encoded by Vert.x's {@link JsonObject} (Jackson).
 *
 * <p>Every line has {@code time} (ISO-8601 UTC, milliseconds), {@code level} (ERROR, WARN, INFO,
 * DEBUG), {@code logger} and {@code message}, then any extra fields of the call (for example the
 * access log's {@code method}, {@code path}, {@code status}, {@code durationMs}), then
 * {@code error} and {@code stackTrace} when an exception is attached.
 *
 * <p>{@link #configure} puts one {@link JsonHandler} on java.util.logging's root logger, which
 * Vert.x (pointed at java.util.logging by {@link #VERTX_LOGGER_FACTORY}) and Netty (which finds no
 * other logging library in the jar) log through, so their lines are JSON too. The server's own
 * calls hand their records to the same handler directly rather than through a {@link Logger}: the
 * JDK's log manager resets itself (removing every handler) in a shutdown hook, and the lines of a
 * drain that runs in another hook would otherwise be lost.
 */
public final class JsonLog {
  /**
   * Vert.x's logging facade picks SLF4J or Log4j 2 when either is on the class path, else
   * java.util.logging; this system property (read once, when Vert.x first logs) makes the choice
   * explicit, so a logging library that a dependency brings in cannot divert Vert.x's lines.
   */
  static final String VERTX_LOGGER_FACTORY = "vertx.logger-delegate-factory-class-name";

  private static volatile JsonHandler handler = new JsonHandler(System.out, Level.INFO);

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
   * Sends the JSON lines to {@code out} (UTF-8) from {@code level} up, the server's and those of
   * every java.util.logging logger (Vert.x, Netty) alike.
   */
  public static synchronized void configure(LogLevel level, OutputStream out) {
    if (System.getProperty(VERTX_LOGGER_FACTORY) == null) {
      System.setProperty(VERTX_LOGGER_FACTORY, "io.vertx.core.logging.JULLogDelegateFactory");
    }
    JsonHandler next = new JsonHandler(out, toJul(level));
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    root.setLevel(next.getLevel());
    root.addHandler(next);
    handler = next;
  }

  /** Logs {@code message} with extra fields given as alternating names and values. */
  public void info(String message, Object... fields) {
    log(Level.INFO, message, null, fields);
  }

  public void warn(String message, Object... fields) {
    log(Level.WARNING, message, null, fields);
  }

  public void error(String message, Throwable error, Object... fields) {
    log(Level.SEVERE, message, error, fields);
  }

  private void log(Level level, String message, Throwable error, Object... fields) {
    JsonHandler current = handler;
    if (level.intValue() < current.getLevel().intValue()) {
      return;
    }
    LogRecord logRecord = new LogRecord(level, message);
    logRecord.setLoggerName(name);
    logRecord.setThrown(error);
    logRecord.setParameters(new Object[] {new Fields(fields)});
    current.publish(logRecord);
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

  /** The extra fields of one of the server's own calls: alternating names and values. */
  private record Fields(Object[] namesAndValues) {
  }

  /** One log record as one JSON object (without the newline). */
  static final class JsonFormatter extends Formatter {
    private static final DateTimeFormatter TIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Override
    public String format(LogRecord logRecord) {
      return json(logRecord).encode();
    }

    JsonObject json(LogRecord logRecord) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("time", TIME.format(logRecord.getInstant()));
      line.put("level", levelName(logRecord.getLevel()));
      line.put("logger", logRecord.getLoggerName() == null ? "" : logRecord.getLoggerName());
      Object[] parameters = logRecord.getParameters();
      if (parameters != null && parameters.length == 1 && parameters[0] instanceof Fields fields) {
        line.put("message", String.valueOf(logRecord.getMessage()));
        Object[] pairs = fields.namesAndValues();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
          line.put(String.valueOf(pairs[i]), value(pairs[i + 1]));
        }
      } else {
        line.put("message", libraryMessage(logRecord));
      }
      Throwable error = logRecord.getThrown();
      if (error != null) {
        line.put("error", error.toString());
        StringWriter trace = new StringWriter();
        error.printStackTrace(new PrintWriter(trace));
        line.put("stackTrace", trace.toString());
      }
      return new JsonObject(line);
    }

    /** A library's message with its {0} parameters filled in, as java.util.logging formats it. */
    private String libraryMessage(LogRecord logRecord) {
      try {
        return String.valueOf(formatMessage(logRecord));
      } catch (RuntimeException e) {
        return String.valueOf(logRecord.getMessage());
      }
    }

    /** Numbers and booleans as JSON numbers and booleans (NaN and infinities as strings), the rest as strings. */
    private static Object value(Object value) {
      if (value == null || value instanceof Integer || value instanceof Long || value instanceof Boolean) {
        return value;
      }
      if (value instanceof Double d) {
        return Double.isFinite(d) ? d : d.toString();
      }
      return value.toString();
    }
  }

  /**
   * Writes each record as one UTF-8 line and flushes, so lines reach CloudWatch at once. Closing it
   * (the log manager does on reset) only flushes: stdout stays open.
   *
   * <p>Writing a line can log: the first one initializes Vert.x's JSON codec, and with it Vert.x's
   * logging, which says so at DEBUG. Such a record comes back into {@link #publish} on the same
   * thread before the codec is ready; it waits in {@link #deferred} and is written right after the
   * line that caused it.
   */
  static final class JsonHandler extends Handler {
    private static final byte[] NEWLINE = {'\n'};
    private final JsonFormatter formatter = new JsonFormatter();
    private final OutputStream out;
    /** Records logged on this thread while it is writing a line; null when it is not writing. */
    private final ThreadLocal<List<LogRecord>> deferred = new ThreadLocal<>();

    JsonHandler(OutputStream out, Level level) {
      this.out = out;
      setLevel(level);
      setFormatter(formatter);
    }

    @Override
    public void publish(LogRecord logRecord) {
      if (logRecord == null || !isLoggable(logRecord)) {
        return;
      }
      List<LogRecord> nested = deferred.get();
      if (nested != null) {
        nested.add(logRecord);
        return;
      }
      nested = new ArrayList<>(0);
      deferred.set(nested);
      try {
        write(logRecord);
        for (int i = 0; i < nested.size(); i++) {
          write(nested.get(i)); // a deferred record may defer more: they are appended, and written too
        }
      } finally {
        deferred.remove();
      }
    }

    private void write(LogRecord logRecord) {
      // encode(), not toBuffer(): a Vert.x Buffer is a Netty buffer, and the first lines come from
      // inside the initialization of Netty's own classes, which a Netty buffer would need.
      byte[] line = formatter.format(logRecord).getBytes(StandardCharsets.UTF_8);
      synchronized (out) {
        try {
          out.write(line);
          out.write(NEWLINE);
          out.flush();
        } catch (IOException e) {
          reportError("cannot write a log line", e, ErrorManager.WRITE_FAILURE);
        }
      }
    }

    @Override
    public void flush() {
      try {
        out.flush();
      } catch (IOException e) {
        reportError("cannot flush the log", e, ErrorManager.FLUSH_FAILURE);
      }
    }

    @Override
    public void close() {
      flush();
    }
  }
}
