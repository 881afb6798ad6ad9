package dev.hellostack.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hellostack.server.ServerConfig.LogLevel;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JsonLogTest {
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  @BeforeEach
  void capture() {
    JsonLog.configure(LogLevel.INFO, captured);
  }

  @AfterEach
  void restore() {
    JsonLog.configure(LogLevel.INFO, System.out);
  }

  private String text() {
    String text = captured.toString(StandardCharsets.UTF_8);
    assertTrue(text.isEmpty() || text.endsWith("\n"), "every line ends with a newline");
    return text;
  }

  private List<JsonObject> lines() {
    return Arrays.stream(text().split("\n")).filter(l -> !l.isEmpty()).map(JsonObject::new).toList();
  }

  @Test
  void lineHasTimeLevelLoggerMessageThenFieldsInOrder() {
    JsonLog.named("a.b.C").info("hello", "port", 8888, "transport", "epoll", "ratio", 1.5, "ok", true, "big", 7L);
    String line = text();
    assertTrue(line.matches("\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\",.*\n"), line);
    assertEquals(",\"level\":\"INFO\",\"logger\":\"a.b.C\",\"message\":\"hello\",\"port\":8888,"
        + "\"transport\":\"epoll\",\"ratio\":1.5,\"ok\":true,\"big\":7}\n", line.substring(line.indexOf("\",") + 1));
  }

  @Test
  void timeIsUtcWithMillisecondsEvenOnAWholeSecond() {
    LogRecord logRecord = new LogRecord(Level.INFO, "m");
    logRecord.setInstant(Instant.parse("2026-01-02T03:04:05Z"));
    assertEquals("2026-01-02T03:04:05.000Z", new JsonLog.JsonFormatter().json(logRecord).getString("time"));
    logRecord.setInstant(Instant.parse("2026-01-02T03:04:05.006789Z"));
    assertEquals("2026-01-02T03:04:05.006Z", new JsonLog.JsonFormatter().json(logRecord).getString("time"));
  }

  @Test
  void quotesBackslashesControlAndNonAsciiCharactersRoundTripOnOnePhysicalLine() {
    String nasty = "quote\" backslash\\ newline\n tab\t nul\u0000 bell\u0007 e-acute\u00e9 emoji\ud83d\ude00 del\u007f";
    JsonLog.named("log\"ger").warn(nasty, "path", "/a\"b\n");
    String text = text();
    assertEquals(1, text.split("\n", -1).length - 1, "one physical line: " + text);
    JsonObject json = lines().get(0);
    assertEquals(nasty, json.getString("message"));
    assertEquals("log\"ger", json.getString("logger"));
    assertEquals("/a\"b\n", json.getString("path"));
    assertTrue(text.contains("e-acute\u00e9"), "non-ASCII is written as UTF-8: " + text);
  }

  @Test
  void exceptionsAddErrorAndStackTraceFields() {
    JsonLog.named("x").error("failed", new IllegalStateException("boom"), "port", 1);
    JsonObject json = lines().get(0);
    assertEquals(1, json.getInteger("port"));
    assertEquals("java.lang.IllegalStateException: boom", json.getString("error"));
    assertTrue(json.getString("stackTrace").contains("JsonLogTest"), json.getString("stackTrace"));
  }

  @Test
  void nonFiniteNumbersAreWrittenAsStringsSoTheLineStaysValidJson() {
    JsonLog.named("x").info("m", "v", Double.NaN, "w", Double.POSITIVE_INFINITY);
    assertEquals("NaN", lines().get(0).getString("v"));
    assertEquals("Infinity", lines().get(0).getString("w"));
  }

  @Test
  void messagesBelowTheThresholdAreDropped() {
    JsonLog.configure(LogLevel.WARN, captured);
    JsonLog log = JsonLog.named("test");
    log.info("hidden");
    log.warn("warned", "n", 1);
    log.error("failed", null);
    List<JsonObject> lines = lines();
    assertEquals(List.of("warned", "failed"), lines.stream().map(j -> j.getString("message")).toList());
    assertEquals(1, lines.get(0).getInteger("n"));
    assertEquals(List.of("WARN", "ERROR"), lines.stream().map(j -> j.getString("level")).toList());
  }

  @Test
  void javaUtilLoggingFromLibrariesComesOutAsJsonLines() {
    Logger netty = Logger.getLogger("io.netty.example");
    netty.warning("netty says \"hi\"");
    netty.log(Level.SEVERE, "with {0} parameter", "one");
    netty.fine("below the INFO threshold");
    List<JsonObject> lines = lines();
    assertEquals(2, lines.size(), lines.toString());
    assertEquals("WARN", lines.get(0).getString("level"));
    assertEquals("io.netty.example", lines.get(0).getString("logger"));
    assertEquals("netty says \"hi\"", lines.get(0).getString("message"));
    assertEquals("ERROR", lines.get(1).getString("level"));
    assertEquals("with one parameter", lines.get(1).getString("message"));
  }

  @Test
  void debugThresholdLetsLibraryDebugMessagesThrough() {
    JsonLog.configure(LogLevel.DEBUG, captured);
    Logger.getLogger("io.vertx.example").fine("fine detail");
    assertEquals("DEBUG", lines().get(0).getString("level"));
  }

  @Test
  void aLineLoggedWhileALineIsBeingWrittenComesRightAfterIt() {
    // As when the first line initializes Vert.x's JSON codec and Netty logs from inside that.
    Object loggingValue = new Object() {
      @Override
      public String toString() {
        Logger.getLogger("io.netty.nested").warning("nested");
        return "value";
      }
    };
    JsonLog.named("outer").info("outer", "field", loggingValue);
    assertEquals(List.of("outer", "nested"), lines().stream().map(j -> j.getString("message")).toList());
    assertEquals("value", lines().get(0).getString("field"));
  }

  @Test
  void vertxIsToldToLogThroughJavaUtilLogging() {
    assertEquals("io.vertx.core.logging.JULLogDelegateFactory", System.getProperty(JsonLog.VERTX_LOGGER_FACTORY));
  }

  @Test
  void theServersOwnLinesSurviveTheLogManagersResetAtJvmShutdown() {
    // The JDK's log manager resets itself in a shutdown hook; a drain running then still logs.
    LogManager.getLogManager().reset();
    JsonLog.named("x").info("after reset");
    assertEquals("after reset", lines().get(0).getString("message"));
    assertFalse(text().isEmpty());
  }

  @Test
  void julLevelsMapToTheFourNames() {
    assertEquals("ERROR", JsonLog.levelName(Level.SEVERE));
    assertEquals("WARN", JsonLog.levelName(Level.WARNING));
    assertEquals("INFO", JsonLog.levelName(Level.INFO));
    assertEquals("INFO", JsonLog.levelName(Level.CONFIG));
    assertEquals("DEBUG", JsonLog.levelName(Level.FINE));
    assertEquals("DEBUG", JsonLog.levelName(Level.FINEST));
  }
}
