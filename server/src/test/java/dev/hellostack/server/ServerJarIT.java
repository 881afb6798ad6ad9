package dev.hellostack.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the packaged jar ({@code server/target/hello-server.jar}) as a real process. */
class ServerJarIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path tempDir;
  private Path stdoutFile;
  private Path stderrFile;
  private Process process;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void files() {
    stdoutFile = tempDir.resolve("stdout.log");
    stderrFile = tempDir.resolve("stderr.log");
  }

  @AfterEach
  void killLeftovers() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  /**
   * Starts the jar with stdout and stderr going to files: {@link Process#destroy()} closes the
   * process's pipes, so lines logged after SIGTERM could not be read from a pipe.
   */
  private Process startJar(Map<String, String> env) throws IOException {
    // SIGINT at its default, as a terminal's Ctrl-C finds it: a job started in the background by a
    // non-interactive shell (a CI runner may be one) inherits SIGINT ignored, and the JVM then leaves
    // it ignored (as nohup means). GNU env execs java, so the pid stays the server's.
    return start(env, "env", "--default-signal=INT", java(), "-jar", jar());
  }

  private static String jar() {
    String jar = System.getProperty("server.jar");
    assertNotNull(jar, "failsafe sets the server.jar system property");
    assertTrue(Files.isRegularFile(Path.of(jar)), "jar not built: " + jar);
    return jar;
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  private Process start(Map<String, String> env, String... command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectOutput(stdoutFile.toFile())
        .redirectError(stderrFile.toFile());
    builder.environment().keySet().removeAll(List.of("PORT", "HOST", "IDLE_TIMEOUT_SECONDS",
        "SHUTDOWN_TIMEOUT_SECONDS", "EVENT_LOOPS", "LOG_LEVEL", "ACCESS_LOG", "MAX_CONNECTIONS"));
    builder.environment().putAll(env);
    process = builder.start();
    return process;
  }

  /** Complete stdout lines so far; each must be a JSON object. */
  private List<JsonObject> logLines() throws IOException {
    String text = Files.readString(stdoutFile, StandardCharsets.UTF_8);
    List<JsonObject> lines = new ArrayList<>();
    int end;
    int start = 0;
    while ((end = text.indexOf('\n', start)) >= 0) {
      String line = text.substring(start, end);
      try {
        lines.add(new JsonObject(line));
      } catch (RuntimeException e) {
        throw new AssertionError("stdout line is not a JSON object: " + line, e);
      }
      start = end + 1;
    }
    return lines;
  }

  /** Waits for a JSON log line whose message is {@code message}. */
  private JsonObject awaitLog(String message) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonObject line : logLines()) {
        if (message.equals(line.getString("message"))) {
          return line;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no log line with message \"" + message + "\"; got " + logLines());
  }

  private String get(int port, String path) throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }

  private static void assertLogLine(JsonObject json, String level, String logger) {
    assertEquals(level, json.getString("level"), json.encode());
    assertEquals(logger, json.getString("logger"), json.encode());
    assertTrue(json.getString("time").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), json.encode());
  }

  @Test
  void jarServesHelloThenExitsZeroOnSigtermWithJsonLogs() throws Exception {
    long spawned = System.nanoTime();
    startJar(Map.of("PORT", "0", "HOST", "127.0.0.1", "EVENT_LOOPS", "2", "ACCESS_LOG", "true"));

    JsonObject started = awaitLog("server started");
    long aliveMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spawned);
    assertLogLine(started, "INFO", "dev.hellostack.server.Main");
    int port = started.getInteger("port");
    assertTrue(port > 0 && port <= 65535, started.encode());
    assertEquals(2, started.getInteger("eventLoops"));
    assertTrue(List.of("epoll", "nio").contains(started.getString("transport")), started.encode());
    long startupMs = started.getLong("startupMs");
    // Not a timing test: the process cannot have run longer than this test has watched it (plus
    // the 10-ms resolution of the clocks it is read from). The old reading was up to 1 s too high.
    assertTrue(startupMs > 0 && startupMs <= aliveMillis + 50, startupMs + " ms logged, " + aliveMillis + " ms alive");

    assertEquals("200 Hello world", get(port, "/hello"));
    JsonObject access = awaitLog("request");
    assertLogLine(access, "INFO", "dev.hellostack.server.access");
    assertEquals("GET", access.getString("method"));
    assertEquals("/hello", access.getString("path"));
    assertEquals(200, access.getInteger("status"));
    assertTrue(access.getDouble("durationMs") >= 0.0, access.encode());

    process.destroy(); // SIGTERM on Linux
    assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "process did not exit after SIGTERM");
    assertLogLine(awaitLog("shutdown requested"), "INFO", "dev.hellostack.server.ShutdownHandler");
    awaitLog("shutdown complete");
    assertEquals(0, process.exitValue(), "exit code after SIGTERM; log: " + logLines());
    assertEquals("", Files.readString(stderrFile, StandardCharsets.UTF_8), "nothing on stderr");
  }

  @Test
  void debugLevelShowsVertxAndNettyInternalLogsAsJsonLines() throws Exception {
    startJar(Map.of("PORT", "0", "HOST", "127.0.0.1", "EVENT_LOOPS", "1", "LOG_LEVEL", "debug"));
    awaitLog("server started");
    List<JsonObject> library = logLines().stream()
        .filter(j -> j.getString("logger").startsWith("io.netty") || j.getString("logger").startsWith("io.vertx"))
        .toList();
    assertFalse(library.isEmpty(), "expected Netty/Vert.x debug lines: " + logLines());
    assertTrue(library.stream().allMatch(j -> List.of("DEBUG", "INFO", "WARN", "ERROR").contains(j.getString("level"))));
    process.destroy();
    assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
    assertEquals(0, process.exitValue());
  }

  @Test
  void defaultInfoLevelKeepsLibraryDebugOutputOut() throws Exception {
    startJar(Map.of("PORT", "0", "HOST", "127.0.0.1", "EVENT_LOOPS", "1"));
    awaitLog("server started");
    assertTrue(logLines().stream().noneMatch(j -> "DEBUG".equals(j.getString("level"))), logLines().toString());
  }

  @Test
  void jarOnLinuxUsesTheNativeEpollTransport() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux"));
    startJar(Map.of("PORT", "0", "HOST", "127.0.0.1", "EVENT_LOOPS", "1"));
    assertEquals("epoll", awaitLog("server started").getString("transport"));
  }

  @Test
  void invalidConfigurationExitsWithCode2AndOneLineNamingTheVariable() throws Exception {
    startJar(Map.of("PORT", "abc"));
    assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
    String stderr = Files.readString(stderrFile, StandardCharsets.UTF_8);
    assertEquals(2, process.exitValue());
    assertEquals("invalid PORT=\"abc\": expected an integer 0-65535 (0 picks a free port)\n", stderr);
    assertEquals(List.of(), logLines());
  }

  @Test
  void sigtermWhileARequestIsInFlightLetsItCompleteThenExitsZero() throws Exception {
    startJar(Map.of("PORT", "0", "HOST", "127.0.0.1", "EVENT_LOOPS", "2"));
    int port = awaitLog("server started").getInteger("port");
    try (RawHttp inFlight = new RawHttp(port)) {
      // Headers and half the declared body: the server answers only when the body is complete.
      inFlight.send("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab");
      Thread.sleep(300);
      process.destroy(); // SIGTERM
      awaitLog("shutdown started");
      assertTrue(process.isAlive(), "the process must wait for the in-flight request");
      inFlight.send("cd");
      RawHttp.Response response = inFlight.read();
      assertEquals(200, response.status());
      assertEquals("Hello world", response.body());
      assertEquals("close", response.header("Connection"));
    }
    assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "process did not exit");
    assertEquals(0, process.exitValue(), "exit code; log: " + logLines());
  }

  @Test
  void sigtermIsNotHeldUpByAConnectionThatNeverSentAByte() throws Exception {
    startJar(Map.of("PORT", "0", "HOST", "127.0.0.1", "EVENT_LOOPS", "2", "SHUTDOWN_TIMEOUT_SECONDS", "10"));
    int port = awaitLog("server started").getInteger("port");
    try (RawHttp silent = new RawHttp(port)) {
      Thread.sleep(300);
      long start = System.nanoTime();
      process.destroy(); // SIGTERM
      assertTrue(silent.closedWithin(3000), "silent connection not closed when shutdown began");
      assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "process did not exit");
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      // The drain time is 9 s; a connection without a request must not be waited for.
      assertTrue(elapsedMillis < 4000, "exit took " + elapsedMillis + " ms; log: " + logLines());
    }
    assertEquals(0, process.exitValue(), "exit code; log: " + logLines());
  }

  @Test
  void sigintAlsoShutsDownGracefullyWithExitCodeZero() throws Exception {
    startJar(Map.of("PORT", "0", "HOST", "127.0.0.1", "EVENT_LOOPS", "1"));
    awaitLog("server started");
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
    assertEquals(0, kill.waitFor());
    assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "process did not exit after SIGINT");
    assertEquals("SIGINT", awaitLog("shutdown requested").getString("reason"));
    assertEquals(0, process.exitValue());
  }

  @Test
  void portAlreadyInUseExitsWithCode1AndOneStderrLineNamingHostAndPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      startJar(Map.of("PORT", Integer.toString(port), "HOST", "127.0.0.1"));
      assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "process did not exit");
      assertEquals(1, process.exitValue());
      assertEquals("cannot listen on 127.0.0.1:" + port + " (HOST, PORT): Address already in use\n",
          Files.readString(stderrFile, StandardCharsets.UTF_8));
      assertTrue(logLines().stream().noneMatch(j -> j.containsKey("stackTrace") || "ERROR".equals(j.getString("level"))),
          "no stack trace or ERROR line on stdout: " + logLines());
    }
  }

  @Test
  void startupTimeLeavesOutACommandThatRanBeforeJavaInTheSameShell() throws Exception {
    // As bash -c 'mvn package && java -jar ...' does by itself, the shell execs java in its own
    // process: the process is as old as the shell, sleep included; the JVM is not.
    long spawned = System.nanoTime();
    start(Map.of("PORT", "0", "HOST", "127.0.0.1", "EVENT_LOOPS", "1"), "bash", "-c",
        "sleep 2 && exec \"$0\" -jar \"$1\"", java(), jar());
    JsonObject started = awaitLog("server started");
    long sinceJavaMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spawned) - 2000;
    long startupMs = started.getLong("startupMs");
    assertTrue(startupMs <= sinceJavaMillis + 50, startupMs + " ms logged, java ran at most " + sinceJavaMillis + " ms");
    process.destroy();
    assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
  }
}
