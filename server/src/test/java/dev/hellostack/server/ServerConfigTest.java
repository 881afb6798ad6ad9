package dev.hellostack.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hellostack.server.ServerConfig.ConfigException;
import dev.hellostack.server.ServerConfig.LogLevel;
import io.vertx.core.json.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServerConfigTest {

  private static String errorFor(String name, String value) {
    return assertThrows(ConfigException.class, () -> ServerConfig.fromEnv(Map.of(name, value), 4, 10_100))
        .getMessage();
  }

  @Test
  void emptyEnvironmentGivesTheDocumentedDefaults() {
    ServerConfig config = ServerConfig.fromEnv(Map.of(), 6, 10_100);
    // The values the README documents, written out once here; everywhere else they are the constants.
    assertEquals(new ServerConfig("0.0.0.0", 8888, 75, 10_000, 20, 6, LogLevel.INFO, false), config);
  }

  @Test
  void eventLoopsDefaultToTheAvailableProcessors() {
    assertEquals(Runtime.getRuntime().availableProcessors(), ServerConfig.fromEnv(Map.of()).eventLoops());
  }

  @Test
  void everyVariableIsRead() {
    ServerConfig config = ServerConfig.fromEnv(Map.of(
        "HOST", "127.0.0.1",
        "PORT", "9090",
        "IDLE_TIMEOUT_SECONDS", "120",
        "MAX_CONNECTIONS", "500",
        "SHUTDOWN_TIMEOUT_SECONDS", "5",
        "EVENT_LOOPS", "3",
        "LOG_LEVEL", "debug",
        "ACCESS_LOG", "TRUE"), 8, 10_100);
    assertEquals(new ServerConfig("127.0.0.1", 9090, 120, 500, 5, 3, LogLevel.DEBUG, true), config);
  }

  @Test
  void unrelatedVariablesAreIgnored() {
    assertEquals(ServerConfig.fromEnv(Map.of(), 2, 10_100),
        ServerConfig.fromEnv(Map.of("PATH", "/usr/bin", "HOME", "/root"), 2, 10_100));
  }

  @ParameterizedTest
  @CsvSource({"0,0", "1,1", "65535,65535", "00080,80"})
  void portAcceptsZeroToMax(String raw, int expected) {
    assertEquals(expected, ServerConfig.fromEnv(Map.of("PORT", raw), 1, 10_100).port());
  }

  @ParameterizedTest
  @CsvSource({"ERROR,ERROR", "warn,WARN", "Info,INFO", "DEBUG,DEBUG"})
  void logLevelIsCaseInsensitive(String raw, LogLevel expected) {
    assertEquals(expected, ServerConfig.fromEnv(Map.of("LOG_LEVEL", raw), 1, 10_100).logLevel());
  }

  @ParameterizedTest
  @ValueSource(strings = {"true", "True", "TRUE"})
  void accessLogAcceptsTrueInAnyCase(String raw) {
    assertTrue(ServerConfig.fromEnv(Map.of("ACCESS_LOG", raw), 1, 10_100).accessLog());
  }

  @ParameterizedTest
  @ValueSource(strings = {"false", "FALSE"})
  void accessLogAcceptsFalseInAnyCase(String raw) {
    assertFalse(ServerConfig.fromEnv(Map.of("ACCESS_LOG", raw), 1, 10_100).accessLog());
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "0.0.0.0", "127.0.0.1", "::", "::1", "fe80::1%eth0", "my-host.internal"})
  void hostAcceptsAddressesAndNames(String host) {
    assertEquals(host, ServerConfig.fromEnv(Map.of("HOST", host), 1, 10_100).host());
  }

  @Test
  void eventLoopsDefaultIsCappedAtTheMaximum() {
    assertEquals(ServerConfig.MAX_EVENT_LOOPS, ServerConfig.fromEnv(Map.of(), 1000, 10_100).eventLoops());
  }

  @Test
  void invalidPortMessageNamesVariableValueAndRange() {
    assertEquals("invalid PORT=\"abc\": expected an integer 0-65535 (0 picks a free port)",
        errorFor("PORT", "abc"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "abc", "-1", "65536", "99999999999", "8080 ", " 8080", "+80", "8_080", "80.0", "0x50"})
  void portRejectsAnythingButAnIntegerInRange(String raw) {
    String message = errorFor("PORT", raw);
    assertTrue(message.startsWith("invalid PORT=" + Json.encode(raw) + ": expected an integer 0-65535"), message);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "-5", "3601", "ten", "1.5"})
  void idleTimeoutRejectsValuesOutside1To3600(String raw) {
    assertEquals("invalid IDLE_TIMEOUT_SECONDS=" + Json.encode(raw) + ": expected an integer 1-3600",
        errorFor("IDLE_TIMEOUT_SECONDS", raw));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "-1", "1000001", "many", "1e4"})
  void maxConnectionsRejectsValuesOutside1To1000000(String raw) {
    assertEquals("invalid MAX_CONNECTIONS=" + Json.encode(raw) + ": expected an integer 1-1000000",
        errorFor("MAX_CONNECTIONS", raw));
  }

  @ParameterizedTest
  @CsvSource({"65536,65436", "1024,924", "100,1", "50,1", "-1,10000", "0,10000", "10000000,1000000"})
  void maxConnectionsDefaultsToTheOpenFileLimitLessTheReserve(long openFileLimit, int expected) {
    assertEquals(expected, ServerConfig.fromEnv(Map.of(), 1, openFileLimit).maxConnections());
  }

  @Test
  void maxConnectionsDefaultFollowsThisProcesssOpenFileLimit() {
    long limit = ServerConfig.openFileLimit();
    assertTrue(limit > ServerConfig.RESERVED_FILES, "open-file limit " + limit);
    // The arithmetic (the reserve, the 1,000,000 cap) is the parameterized test's; this checks the
    // limit is this process's, on any machine, a hard limit of 1048576 included.
    assertEquals(ServerConfig.defaultMaxConnections(limit), ServerConfig.fromEnv(Map.of()).maxConnections());
  }

  @Test
  void theIdleTimeoutDefaultOutlastsTheLoadBalancersIdleTimeout() {
    // The ALB's idle timeout is 60 s (templates/alb.yaml); the server must close idle connections later.
    assertTrue(ServerConfig.DEFAULT_IDLE_TIMEOUT_SECONDS > 60);
  }

  @Test
  void aLeftoverHeaderTimeoutSecondsIsIgnored() {
    assertEquals(ServerConfig.fromEnv(Map.of(), 1, 10_100),
        ServerConfig.fromEnv(Map.of("HEADER_TIMEOUT_SECONDS", "abc"), 1, 10_100));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "301", "20s", "-1"})
  void shutdownTimeoutRejectsValuesOutside1To300(String raw) {
    assertEquals("invalid SHUTDOWN_TIMEOUT_SECONDS=" + Json.encode(raw) + ": expected an integer 1-300",
        errorFor("SHUTDOWN_TIMEOUT_SECONDS", raw));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "257", "auto", "two"})
  void eventLoopsRejectsValuesOutside1To256(String raw) {
    assertEquals("invalid EVENT_LOOPS=" + Json.encode(raw) + ": expected an integer 1-256",
        errorFor("EVENT_LOOPS", raw));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "TRACE", "warning", "FATAL", "info "})
  void logLevelRejectsUnknownLevels(String raw) {
    assertEquals("invalid LOG_LEVEL=" + Json.encode(raw) + ": expected one of ERROR, WARN, INFO, DEBUG (any case)",
        errorFor("LOG_LEVEL", raw));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "yes", "1", "0", "on", "t"})
  void accessLogRejectsAnythingButTrueOrFalse(String raw) {
    assertEquals("invalid ACCESS_LOG=" + Json.encode(raw) + ": expected true or false", errorFor("ACCESS_LOG", raw));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "host name", "http://example.com", "a/b", "x;rm -rf"})
  void hostRejectsValuesThatAreNotAnAddressOrName(String raw) {
    assertEquals("invalid HOST=" + Json.encode(raw) + ": expected an IP address or host name, e.g. 0.0.0.0 or 127.0.0.1",
        errorFor("HOST", raw));
  }

  @Test
  void controlCharactersInAValueAreEscapedSoTheMessageStaysOneLine() {
    String message = errorFor("PORT", "80\n80");
    assertEquals("invalid PORT=\"80\\n80\": expected an integer 0-65535 (0 picks a free port)", message);
    assertFalse(message.contains("\n"));
  }

  @Test
  void theFirstInvalidVariableIsReportedAlone() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ServerConfig.fromEnv(Map.of("PORT", "x", "LOG_LEVEL", "y"), 1, 10_100));
    assertTrue(e.getMessage().startsWith("invalid PORT="), e.getMessage());
  }

  @Test
  void recordConstructorRejectsOutOfRangeValues() {
    assertThrows(IllegalArgumentException.class, () -> new ServerConfig("0.0.0.0", 70000, 75, 10_000, 20, 1, LogLevel.INFO, false));
    assertThrows(IllegalArgumentException.class, () -> new ServerConfig("0.0.0.0", 80, 0, 10_000, 20, 1, LogLevel.INFO, false));
    assertThrows(IllegalArgumentException.class, () -> new ServerConfig("0.0.0.0", 80, 75, 10_000, 20, 0, LogLevel.INFO, false));
    assertThrows(IllegalArgumentException.class, () -> new ServerConfig("a b", 80, 75, 10_000, 20, 1, LogLevel.INFO, false));
    assertThrows(IllegalArgumentException.class, () -> new ServerConfig("0.0.0.0", 80, 75, 0, 20, 1, LogLevel.INFO, false));
    assertThrows(IllegalArgumentException.class, () -> new ServerConfig("0.0.0.0", 80, 75, 10_000, 0, 1, LogLevel.INFO, false));
    assertThrows(IllegalArgumentException.class, () -> new ServerConfig("0.0.0.0", 80, 75, 10_000, 20, 1, null, false));
  }
}
