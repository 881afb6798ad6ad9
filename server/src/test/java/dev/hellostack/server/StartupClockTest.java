package dev.hellostack.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How startupMs is read: the main thread's age from /proc. */
class StartupClockTest {
  @TempDir
  Path dir;

  private Optional<Long> age(String stat, String uptime) throws Exception {
    Path statFile = Files.writeString(dir.resolve("stat"), stat);
    Path uptimeFile = Files.writeString(dir.resolve("uptime"), uptime);
    return Main.mainThreadAgeMillis(statFile, uptimeFile);
  }

  /** A /proc/PID/task/TID/stat line whose field 22 (start time) is {@code startTicks}. */
  private static String stat(String command, long startTicks) {
    return "4242 (" + command + ") S 1 4242 4242 0 -1 4194560 1 0 0 0 5 3 0 0 20 0 30 0 " + startTicks
        + " 4000000000 20000 18446744073709551615 1 1 0 0 0 0 4 0 17152 0 0 0 17 1 0 0 0 0 0\n";
  }

  @Test
  void ageIsUptimeLessTheThreadsStartTimeToTenMilliseconds() throws Exception {
    assertEquals(Optional.of(1230L), age(stat("java", 12_000), "121.23 2000.50\n"));
  }

  @Test
  void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() throws Exception {
    assertEquals(Optional.of(500L), age(stat("a) b (c", 100), "1.50 0.00\n"));
  }

  @Test
  void unreadableOrMalformedFilesGiveNoAge() throws Exception {
    assertEquals(Optional.empty(), Main.mainThreadAgeMillis(dir.resolve("missing"), dir.resolve("missing")));
    assertEquals(Optional.empty(), age("garbage", "1.0 1.0\n"));
  }

  @Test
  void thisJvmsStartupIsAPlausibleAge() {
    // Run on the main thread of a JVM that has run the tests so far: some time, well under a day.
    long millis = Main.startupMillis(System.nanoTime());
    assertTrue(millis >= 0 && millis < 86_400_000L, millis + " ms");
  }
}
