package dev.hellostack.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hellostack.server.ServerConfig.LogLevel;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JsonLogTest {
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  @BeforeEach
  void capture() {
    JsonLog.configure(LogLevel.INFO, new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    JsonLog.configure(LogLevel.INFO, System.out);
  }

  private List<JsonObject> lines() {
    String text = captured.toString(StandardCharsets.UTF_8);
    assertTrue(text.isEmpty() || text.endsWith("\n"), "every line ends with a newline");
    return Arrays.stream(text.split("\n")).filter(l -> !l.isEmpty()).map(JsonObject::new)
        .collect(Collectors.toList());
  }

  @Test
  void lineHasTimeLevelLoggerMessageThenFieldsInOrder() {
    String line = JsonLog.format(Instant.parse("2026-01-02T03:04:05.006789Z"), "INFO", "a.b.C", "hello",
        null, "port", 8888, "transport", "epoll", "ratio", 1.5, "ok", true);
    assertEquals("{\"time\":\"2026-01-02T03:04:05.006Z\",\"level\":\"INFO\",\"logger\":\"a.b.C\","
        + "\"message\":\"hello\",\"port\":8888,\"transport\":\"epoll\",\"ratio\":1.5,\"ok\":true}", line);
  }

  @Test
  void timeAlwaysHasMillisecondsEvenOnAWholeSecond() {
    String line = JsonLog.format(Instant.parse("2026-01-02T03:04:05Z"), "INFO", "x", "m", null);
    assertTrue(line.startsWith("{\"time\":\"2026-01-02T03:04:05.000Z\""), line);
  }

  @Test
  void quotesBackslashesControlAndNonAsciiCharactersAreEscapedAndRoundTrip() {
    String nasty = "quote\" backslash\\ newline\n tab\t nul\u0000 bell\u0007 e-acute\u00e9 emoji\ud83d\ude00 del\u007f";
    String line = JsonLog.format(Instant.EPOCH, "WARN", "log\"ger", nasty, null, "path", "/a\"b\n");
    assertFalse(line.contains("\n"), "one physical line");
    assertTrue(line.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "plain printable ASCII: " + line);
    JsonObject json = new JsonObject(line);
    assertEquals(nasty, json.getString("message"));
    assertEquals("log\"ger", json.getString("logger"));
    assertEquals("/a\"b\n", json.getString("path"));
  }

  @Test
  void exceptionsAddErrorAndStackTraceFields() {
    String line = JsonLog.format(Instant.EPOCH, "ERROR", "x", "failed", new IllegalStateException("boom"));
    JsonObject json = new JsonObject(line);
    assertEquals("java.lang.IllegalStateException: boom", json.getString("error"));
    assertTrue(json.getString("stackTrace").contains("JsonLogTest"), json.getString("stackTrace"));
  }

  @Test
  void nonFiniteNumbersAreWrittenAsStringsSoTheLineStaysValidJson() {
    JsonObject json = new JsonObject(JsonLog.format(Instant.EPOCH, "INFO", "x", "m", null, "v", Double.NaN));
    assertEquals("NaN", json.getString("v"));
  }

  @Test
  void messagesBelowTheThresholdAreDropped() {
    JsonLog log = JsonLog.named("test");
    log.debug("hidden");
    log.info("shown", "n", 1);
    log.warn("warned");
    List<JsonObject> lines = lines();
    assertEquals(2, lines.size());
    assertEquals("shown", lines.get(0).getString("message"));
    assertEquals(1, lines.get(0).getInteger("n"));
    assertEquals("WARN", lines.get(1).getString("level"));
  }

  @Test
  void errorThresholdDropsWarnings() {
    JsonLog.configure(LogLevel.ERROR, new PrintStream(captured, true, StandardCharsets.UTF_8));
    JsonLog.named("test").warn("hidden");
    JsonLog.named("test").error("shown", null);
    assertEquals(List.of("shown"), lines().stream().map(j -> j.getString("message")).toList());
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
    JsonLog.configure(LogLevel.DEBUG, new PrintStream(captured, true, StandardCharsets.UTF_8));
    Logger.getLogger("io.vertx.example").fine("fine detail");
    assertEquals("DEBUG", lines().get(0).getString("level"));
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
