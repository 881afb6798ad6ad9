package dev.hellostack.server;

import dev.hellostack.server.Replies.Body;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.impl.HttpServerConnection;
import java.util.concurrent.TimeUnit;

/**
 * Guards one HTTP/1.x connection at the level of Netty's pipeline, for the two errors that happen
 * outside any request Vert.x could answer:
 *
 * <ul>
 *   <li><b>The head deadline.</b> Once the first bytes of a request head arrive, the request line and
 *       headers must be complete within {@code HEADER_TIMEOUT_SECONDS}, else 408 and close. A
 *       client that drips a byte now and then (slowloris) keeps the idle timeout from ever firing;
 *       this deadline does not move. A connection idle between requests is left to the idle timeout.
 *       The clock starts with the first read that carries bytes of the next head; a partial head that
 *       arrived in the same read as the end of the request before it starts it with the next read.</li>
 *   <li><b>Malformed chunk framing</b> (a chunk size that is not hex or overflows, a chunk without
 *       its CRLF): Vert.x would close the connection without a word, which a load balancer in front
 *       reports as a 502. Here the client gets a 400 and the access log a line, then the connection
 *       closes; the decoder reads nothing more from it.</li>
 * </ul>
 *
 * <p>Two handlers share this state: {@link #bytesIn} sits before the HTTP decoder and sees the raw
 * reads; this one sits after the codec, just before Vert.x, and sees decoded request heads and body
 * parts coming in and response heads going out. Both run on the connection's event loop only.
 *
 * <p>Vert.x 5 has no public hook into an HTTP connection's pipeline, so {@link #install} reaches it
 * through {@code io.vertx.core.http.impl.HttpServerConnection}, with the handler names Vert.x gives
 * ({@code httpDecoder}, {@code handler}); the Vert.x version is pinned by the BOM and the tests in
 * {@code FramingTest} fail if either changes.
 */
final class ConnectionGuard extends ChannelDuplexHandler {
  private final long headerTimeoutNanos;
  private final boolean accessLog;

  /** No request head is being read: before the first request, or after the last one ended. */
  private boolean awaitingHead = true;
  /** Bytes of the awaited head have arrived. */
  private boolean headBegun;
  private ScheduledFuture<?> headTimer;
  /** Request heads passed on to Vert.x, and final (status 200+) response heads written by it. */
  private long requests;
  private long responses;
  /** The request whose body is being read, for the log line of a chunk error. */
  private String method;
  private String uri;

  /** Sees every raw read before the decoder does. */
  final ChannelInboundHandlerAdapter bytesIn = new ChannelInboundHandlerAdapter() {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (awaitingHead) {
        headBegun = true;
      }
      ctx.fireChannelRead(msg); // the decoder: any complete head clears headBegun before this returns
      if (awaitingHead && headBegun && headTimer == null && ctx.channel().isActive()) {
        headTimer = ctx.executor().schedule(ConnectionGuard.this::headTimedOut, headerTimeoutNanos,
            TimeUnit.NANOSECONDS);
      }
    }
  };

  private ChannelHandlerContext ctx;

  ConnectionGuard(int headerTimeoutSeconds, boolean accessLog) {
    this.headerTimeoutNanos = TimeUnit.SECONDS.toNanos(headerTimeoutSeconds);
    this.accessLog = accessLog;
  }

  /** Adds both handlers to the pipeline of a new HTTP/1.x connection. */
  static void install(HttpConnection connection, int headerTimeoutSeconds, boolean accessLog) {
    ChannelPipeline pipeline = ((HttpServerConnection) connection).channelHandlerContext().pipeline();
    ConnectionGuard guard = new ConnectionGuard(headerTimeoutSeconds, accessLog);
    pipeline.addBefore("httpDecoder", "headClock", guard.bytesIn);
    pipeline.addBefore("handler", "connectionGuard", guard);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /**
   * A request head ends the head deadline; a failed body part (chunk framing) is answered here; the
   * end of a request starts waiting for the next head. A request the decoder could not parse comes
   * as a failed head (Vert.x answers it), never as a failed body part.
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      awaitingHead = false;
      headBegun = false;
      cancelHeadTimer();
      requests++;
      if (accessLog) {
        method = request.method().name();
        uri = request.uri();
      }
    } else if (msg instanceof HttpContent content) {
      if (content.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        badChunk(content.decoderResult().cause());
        return;
      }
    }
    if (msg instanceof LastHttpContent last && last.decoderResult().isSuccess()) {
      awaitingHead = true;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse response && response.status().code() >= 200) {
      responses++;
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelHeadTimer();
    ctx.fireChannelInactive();
  }

  private void cancelHeadTimer() {
    if (headTimer != null) {
      headTimer.cancel(false);
      headTimer = null;
    }
  }

  private void headTimedOut() {
    headTimer = null;
    if (!awaitingHead || !headBegun || !ctx.channel().isActive()) {
      return;
    }
    if (accessLog) {
      RequestGuard.ACCESS.info("invalid request", "status", 408,
          "error", "request head not complete within HEADER_TIMEOUT_SECONDS");
    }
    answerAndClose(HttpResponseStatus.REQUEST_TIMEOUT, Replies.REQUEST_TIMEOUT, requests);
  }

  /**
   * The request whose body is being read has broken chunk framing: 400 and a log line, unless it was
   * answered already (a 413, say), when the connection only closes.
   */
  private void badChunk(Throwable cause) {
    if (accessLog && responses == requests - 1) {
      RequestGuard.ACCESS.info("invalid request", "method", method, "path", path(uri), "status", 400,
          "error", String.valueOf(cause));
    }
    answerAndClose(HttpResponseStatus.BAD_REQUEST, Replies.BAD_REQUEST, requests - 1);
  }

  /**
   * Writes {@code status} and closes the connection, or only closes it when the answer cannot go out
   * in order: it must follow exactly {@code answeredBefore} responses (every request before this one
   * answered, this one not).
   */
  private void answerAndClose(HttpResponseStatus status, Body body, long answeredBefore) {
    if (responses != answeredBefore) {
      ctx.channel().close();
      return;
    }
    responses++;
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.wrappedBuffer(body.bytes().getBytes()));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, Replies.TEXT_PLAIN)
        .set(HttpHeaderNames.CONTENT_LENGTH, body.length())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    // Written from here, the response passes the encoder but not Vert.x; the close goes through
    // Vert.x (from the pipeline's tail), which then fails whatever request it had in progress.
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  private static String path(String uri) {
    if (uri == null) {
      return null;
    }
    int query = uri.indexOf('?');
    return query < 0 ? uri : uri.substring(0, query);
  }
}
