import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;

/**
 * The smallest Vert.x 5 server that answers GET /hello with "Hello world": no routing beyond one
 * path check, no logging, no shutdown handling. A baseline for the benchmark (bench.py --baseline),
 * to tell the cost of the production features from the cost of Vert.x itself. Runs in source-file
 * mode against the server's shaded jar, which holds Vert.x and Netty:
 *
 * <pre>PORT=8899 java -cp server/target/hello-server.jar bench/MinimalVertx.java</pre>
 */
public class MinimalVertx {

    static final Buffer HELLO = Buffer.buffer("Hello world");
    static final CharSequence TEXT = HttpHeaders.createOptimized("text/plain; charset=utf-8");

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8899"));
        String host = System.getenv().getOrDefault("HOST", "127.0.0.1");
        int loops = Integer.parseInt(System.getenv().getOrDefault("EVENT_LOOPS",
                String.valueOf(Runtime.getRuntime().availableProcessors())));
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(loops));
        HttpServerOptions options = new HttpServerOptions().setPort(port).setHost(host)
                .setIdleTimeout(Integer.parseInt(System.getenv().getOrDefault("IDLE_TIMEOUT_SECONDS", "75")))
                .setIdleTimeoutUnit(TimeUnit.SECONDS);
        vertx.deployVerticle(() -> new VerticleBase() {
            @Override
            public Future<?> start() {
                return vertx.createHttpServer(options).requestHandler(req -> {
                    if ("/hello".equals(req.path())) {
                        req.response().putHeader(HttpHeaders.CONTENT_TYPE, TEXT).end(HELLO);
                    } else {
                        req.response().setStatusCode(404).end();
                    }
                }).listen();
            }
        }, new DeploymentOptions().setInstances(loops)).await();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await()));
        System.out.println("minimal vert.x on " + host + ":" + port + ", " + loops + " event loops, native "
                + vertx.isNativeTransportEnabled());
    }
}
