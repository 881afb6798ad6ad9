package dev.hellostack.server;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP server instance on a vertx-web {@link Router}; {@link HelloServer} deploys one per event
 * loop, all sharing the port. Each connection is counted against MAX_CONNECTIONS; requests the
 * decoder cannot parse are answered by {@link Endpoints#invalidRequest}, the rest by the Router.
 */
final class HelloVerticle extends VerticleBase {
  /** Largest request line (method, URI, version); longer gets 414. */
  static final int MAX_INITIAL_LINE_LENGTH = 4096;
  /** Largest header block; larger gets 431. */
  static final int MAX_HEADER_SIZE = 8192;

  private final ServerConfig config;
  private final ServerState state;
  private final ConnectionLimit connections;
  private final long drainMillis;
  private HttpServer server;

  HelloVerticle(ServerConfig config, ServerState state, ConnectionLimit connections, long drainMillis) {
    this.config = config;
    this.state = state;
    this.connections = connections;
    this.drainMillis = drainMillis;
  }

  static HttpServerOptions options(ServerConfig config) {
    return new HttpServerOptions()
        .setHost(config.host())
        // A negative port shares one free port among all instances; 0 would give each its own.
        .setPort(config.port() == 0 ? -1 : config.port())
        .setIdleTimeout(config.idleTimeoutSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setMaxInitialLineLength(MAX_INITIAL_LINE_LENGTH)
        .setMaxHeaderSize(MAX_HEADER_SIZE)
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        // HTTP/1.x only. With cleartext HTTP/2 (h2c) enabled, Vert.x holds each new connection in a
        // protocol-detection stage until its first bytes arrive, and a graceful shutdown cannot see
        // such a connection: one that was accepted but never sent a byte held the drain open until
        // the drain time ran out. As an HTTP/1.x connection from the start, it is closed at once
        // when shutdown begins, like an idle keep-alive connection. The load balancer speaks
        // HTTP/1.1 to the targets (target group ProtocolVersion HTTP1), so nothing uses h2c.
        .setHttp2ClearTextEnabled(false)
        // vertx-web's BodyHandler sends 100 Continue itself, only for a body it will accept.
        .setHandle100ContinueAutomatically(false);
  }

  @Override
  public Future<?> start() {
    boolean accessLog = config.accessLog();
    Router router = new Endpoints(state).router(vertx);
    server = vertx.createHttpServer(options(config))
        .connectionHandler(connections::admit)
        .requestHandler(Endpoints.requests(router, accessLog))
        .invalidRequestHandler(req -> Endpoints.invalidRequest(req, accessLog));
    return server.listen().recover(cause -> Future.failedFuture(new ListenException(config, cause)));
  }

  /**
   * Stops accepting, lets in-flight requests finish (each connection closes after its current
   * response) and force-closes whatever is left after the drain time.
   */
  @Override
  public Future<?> stop() {
    return server.shutdown(drainMillis, TimeUnit.MILLISECONDS);
  }

  int actualPort() {
    return server.actualPort();
  }

  /**
   * The server could not listen on HOST:PORT. Its message is the one line Main prints, for example
   * {@code cannot listen on 0.0.0.0:8888 (HOST, PORT): Address already in use}.
   */
  static final class ListenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ListenException(ServerConfig config, Throwable cause) {
      super("cannot listen on " + hostAndPort(config.host(), config.port()) + " (HOST, PORT): " + reason(cause),
          cause);
    }

    private static String hostAndPort(String host, int port) {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * The operating system's reason: the native transport says {@code bind(..) failed: Address
     * already in use}, NIO {@code Address already in use}; both become the part after the last colon.
     */
    static String reason(Throwable cause) {
      String message = cause.getMessage();
      if (message == null || message.isBlank()) {
        return cause.getClass().getSimpleName();
      }
      return message.substring(message.lastIndexOf(": ") + 1).trim();
    }
  }
}
