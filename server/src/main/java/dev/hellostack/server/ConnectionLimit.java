package dev.hellostack.server;

import io.vertx.core.http.HttpConnection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cap on open connections (MAX_CONNECTIONS), shared by all server instances. A connection past
 * the cap is closed as soon as it is accepted, so the ones in service keep their file descriptors
 * and the server never reaches the open-file limit, where accept() fails and new connections (the
 * load balancer's health checks among them) would wait in the backlog until they time out. A log
 * line says so at most once a second, with the number closed since the last line.
 */
final class ConnectionLimit {
  private static final JsonLog LOG = JsonLog.get(ConnectionLimit.class);
  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong closedSinceLog = new AtomicLong();
  private final AtomicLong lastLogNanos;

  ConnectionLimit(int max) {
    this.max = max;
    this.lastLogNanos = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);
  }

  /** Counts a new connection, or closes it at once if it is past the cap. */
  void admit(HttpConnection connection) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      connection.close();
      closedSinceLog.incrementAndGet();
      logAtMostOncePerSecond();
      return;
    }
    connection.closeHandler(v -> open.decrementAndGet());
  }

  private void logAtMostOncePerSecond() {
    long now = System.nanoTime();
    long last = lastLogNanos.get();
    if (now - last >= LOG_INTERVAL_NANOS && lastLogNanos.compareAndSet(last, now)) {
      LOG.warn("connection limit reached: new connections are closed at once",
          "maxConnections", max, "closedSinceLastLine", closedSinceLog.getAndSet(0));
    }
  }
}
