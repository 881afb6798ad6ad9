package dev.hellostack.server;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * Turns SIGTERM (what ECS and {@code docker stop} send) and SIGINT (Ctrl-C) into a graceful shutdown
 * followed by exit code 0.
 *
 * <p>Why a signal handler and not only a shutdown hook: when the JVM's default SIGTERM handling runs
 * shutdown hooks, the process exits with status 143 however cleanly the hooks finish, and a hook
 * cannot change that ({@code System.exit} inside a hook blocks forever). Handling the signal
 * ourselves lets the drain run first and then exit 0. A shutdown hook remains as the fallback for
 * every other way the JVM can end (another signal such as SIGHUP, or signal handling being
 * unavailable, e.g. with {@code -Xrs}): it drains the same way, and the JVM then exits with its own
 * status.
 */
final class ShutdownHandler {
  private static final JsonLog LOG = JsonLog.get(ShutdownHandler.class);

  private final HelloServer server;
  private final Duration timeout;
  private final AtomicBoolean started = new AtomicBoolean();
  private final CountDownLatch done = new CountDownLatch(1);

  private ShutdownHandler(HelloServer server, Duration timeout) {
    this.server = server;
    this.timeout = timeout;
  }

  static void install(HelloServer server, Duration timeout) {
    ShutdownHandler handler = new ShutdownHandler(server, timeout);
    handler.handleSignal("TERM");
    handler.handleSignal("INT");
    Runtime.getRuntime().addShutdownHook(new Thread(handler::onJvmShutdown, "shutdown-hook"));
  }

  private void handleSignal(String name) {
    try {
      Signal.handle(new Signal(name), signal -> begin("SIG" + name));
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      LOG.warn("cannot handle SIG" + name + "; the JVM's shutdown hook will still drain connections",
          "cause", e.toString());
    }
  }

  /** Runs the drain on its own thread (never on the signal thread), then exits. */
  private void begin(String reason) {
    if (!started.compareAndSet(false, true)) {
      return; // already shutting down; a second signal changes nothing
    }
    Thread thread = new Thread(() -> {
      int code = drain(reason);
      done.countDown();
      System.exit(code);
    }, "graceful-shutdown");
    thread.start();
  }

  /** Returns the exit code: 0 when the server closed within the timeout, 1 otherwise. */
  private int drain(String reason) {
    LOG.info("shutdown requested", "reason", reason, "timeoutSeconds", timeout.toSeconds());
    try {
      server.shutdown().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return 0;
    } catch (TimeoutException e) {
      LOG.error("shutdown did not finish within SHUTDOWN_TIMEOUT_SECONDS", null,
          "timeoutSeconds", timeout.toSeconds());
      return 1;
    } catch (Throwable e) {
      LOG.error("shutdown failed", e);
      return 1;
    }
  }

  /** The fallback: the JVM is exiting for a reason other than a handled signal. */
  private void onJvmShutdown() {
    if (started.compareAndSet(false, true)) {
      drain("jvm shutdown");
      done.countDown();
      return;
    }
    try {
      // A signal-initiated drain is running (or finished and called System.exit): let it finish.
      done.await(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
