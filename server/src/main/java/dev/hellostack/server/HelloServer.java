package dev.hellostack.server;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The running server: a Vert.x instance with one {@link HelloVerticle} per event loop, all sharing
 * one listening port, and the graceful {@link #shutdown()} sequence.
 */
public final class HelloServer {
  private static final JsonLog LOG = JsonLog.get(HelloServer.class);

  private final Vertx vertx;
  private final String deploymentId;
  private final ServerState state;
  private final long drainMillis;
  private final int port;
  private final int instances;
  private final String transport;
  private Future<Void> shutdown;

  private HelloServer(Vertx vertx, String deploymentId, ServerState state, long drainMillis, int port,
      int instances, String transport) {
    this.vertx = vertx;
    this.deploymentId = deploymentId;
    this.state = state;
    this.drainMillis = drainMillis;
    this.port = port;
    this.instances = instances;
    this.transport = transport;
  }

  /** Starts the server, preferring the native transport (epoll on Linux). */
  public static Future<HelloServer> start(ServerConfig config) {
    return start(config, true);
  }

  /**
   * Starts the server. With {@code preferNativeTransport} Vert.x uses Netty's native epoll transport
   * when it can load it and falls back to NIO when it cannot.
   */
  static Future<HelloServer> start(ServerConfig config, boolean preferNativeTransport) {
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(config.eventLoops())
        .setPreferNativeTransport(preferNativeTransport));
    if (preferNativeTransport && !vertx.isNativeTransportEnabled()) {
      Throwable cause = vertx.unavailableNativeTransportCause();
      LOG.warn("native transport unavailable, using nio",
          "cause", cause == null ? "unknown" : cause.toString());
    }
    ServerState state = new ServerState();
    ConnectionLimit connections = new ConnectionLimit(config.maxConnections());
    long drainMillis = drainMillis(config.shutdownTimeoutSeconds());
    List<HelloVerticle> instances = new CopyOnWriteArrayList<>();
    // A promise without a Vert.x context, so that completing it after vertx.close() (on failure)
    // does not try to run listeners on event loops that have stopped.
    Promise<HelloServer> started = Promise.promise();
    vertx
        .deployVerticle(() -> {
          HelloVerticle verticle = new HelloVerticle(config, state, connections, drainMillis);
          instances.add(verticle);
          return verticle;
        }, new DeploymentOptions().setInstances(config.eventLoops()))
        .onComplete(deployed -> {
          if (deployed.succeeded()) {
            started.complete(new HelloServer(vertx, deployed.result(), state, drainMillis,
                instances.get(0).actualPort(), instances.size(), transportName(vertx)));
          } else {
            vertx.close().onComplete(closed -> started.fail(deployed.cause()));
          }
        });
    return started.future();
  }

  /**
   * How long connections may drain: the shutdown timeout minus a reserve (a fifth, at most one
   * second) for closing Vert.x itself, so the process still exits within the timeout.
   */
  static long drainMillis(int shutdownTimeoutSeconds) {
    long total = shutdownTimeoutSeconds * 1000L;
    return total - Math.min(1000L, total / 5);
  }

  private static String transportName(Vertx vertx) {
    if (!vertx.isNativeTransportEnabled()) {
      return "nio";
    }
    Transport transport = Transport.nativeTransport();
    return transport == null ? "native" : transport.name();
  }

  /** The port actually listened on (useful with PORT=0). */
  public int port() {
    return port;
  }

  /** The number of server verticle instances deployed (one per event loop). */
  public int instances() {
    return instances;
  }

  /** {@code epoll} (or another native transport) or {@code nio}. */
  public String transport() {
    return transport;
  }

  public boolean draining() {
    return state.draining();
  }

  /** Flips /health to 503 and adds {@code Connection: close} to responses, without closing anything yet. */
  void startDraining() {
    state.startDraining();
  }

  /**
   * Graceful shutdown: /health answers 503 at once, the listening socket closes, in-flight requests
   * complete and each connection closes after its current response; connections still open after the
   * drain time are closed; then Vert.x stops. Calling it again returns the same future.
   */
  public synchronized Future<Void> shutdown() {
    if (shutdown == null) {
      state.startDraining();
      LOG.info("shutdown started", "drainMillis", drainMillis);
      // A promise without a Vert.x context: its listeners must not run on event loops that close()
      // is about to stop.
      Promise<Void> closed = Promise.promise();
      vertx.undeploy(deploymentId).onComplete(undeployed -> vertx.close().onComplete(vertxClosed -> {
        Throwable failure = undeployed.failed() ? undeployed.cause() : vertxClosed.cause();
        if (failure == null) {
          LOG.info("shutdown complete");
          closed.complete();
        } else {
          LOG.error("shutdown failed", failure);
          closed.fail(failure);
        }
      }));
      shutdown = closed.future();
    }
    return shutdown;
  }
}
