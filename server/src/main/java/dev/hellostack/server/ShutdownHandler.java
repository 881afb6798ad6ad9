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
 *
 * <p>The handlers are installed before the server starts, so a SIGTERM that arrives during start-up
 * is not lost: the drain begins as soon as the server is up (or the process exits if start-up fails).
 */
final class ShutdownHandler {
  private static final JsonLog LOG = JsonLog.get(ShutdownHandler.class);

  /** How long a drain requested during start-up waits for start-up to finish. */
  private static final long START_WAIT_SECONDS = 120;

  private final Duration timeout;
  private final AtomicBoolean started = new AtomicBoolean();
  private final CountDownLatch serverKnown = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile HelloServer server;

  private ShutdownHandler(Duration timeout) {
    this.timeout = timeout;
  }

  /** Installs the signal handlers and the shutdown hook; call before starting the server. */
  static ShutdownHandler install(Duration timeout) {
    ShutdownHandler handler = new ShutdownHandler(timeout);
    handler.handleSignal("TERM");
    handler.handleSignal("INT");
    Runtime.getRuntime().addShutdownHook(new Thread(handler::onJvmShutdown, "shutdown-hook"));
    return handler;
  }

  /** The server is up: a shutdown requested from now on (or already) drains it. */
  void serverStarted(HelloServer startedServer) {
    server = startedServer;
    serverKnown.countDown();
  }

  /** Start-up failed: there is nothing to drain. */
  void startFailed() {
    serverKnown.countDown();
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
      if (!serverKnown.await(START_WAIT_SECONDS, TimeUnit.SECONDS)) {
        LOG.error("start-up did not finish; exiting without a drain", null);
        return 1;
      }
      HelloServer running = server;
      if (running == null) {
        return 1; // start-up failed; Main has logged why and is exiting with 1
      }
      running.shutdown().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
      if (server != null) {
        drain("jvm shutdown");
      }
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
