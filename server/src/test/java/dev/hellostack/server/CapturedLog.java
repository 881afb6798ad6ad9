package dev.hellostack.server;

import dev.hellostack.server.ServerConfig.LogLevel;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Sends the JSON log to memory while open, so a test can read the lines back. */
final class CapturedLog implements AutoCloseable {
  static final String ACCESS = "dev.hellostack.server.access";

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  CapturedLog() {
    this(LogLevel.INFO);
  }

  CapturedLog(LogLevel level) {
    JsonLog.configure(level, captured);
  }

  /** Every line so far. */
  List<JsonObject> all() {
    return Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\n"))
        .filter(l -> !l.isEmpty())
        .map(JsonObject::new)
        .toList();
  }

  /** Every line so far from {@code logger}. */
  List<JsonObject> lines(String logger) {
    return all().stream().filter(j -> logger.equals(j.getString("logger"))).toList();
  }

  /** The access-log lines so far. */
  List<JsonObject> access() {
    return lines(ACCESS);
  }

  void clear() {
    captured.reset();
  }

  @Override
  public void close() {
    JsonLog.configure(LogLevel.INFO, System.out);
  }
}
