import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A seeded, reproducible HTTP/1.1 fuzzer over raw sockets (Java 17, source-file mode):
 *
 * <pre>java bench/Fuzz.java --port 8888 --seed 42 --count 10000</pre>
 *
 * Sends {@code --count} mutated requests, each on its own connection, and after every 100th a valid
 * {@code GET /hello}. The same seed always produces the same requests (the printed digest proves it);
 * {@code --show N} prints request N without sending anything.
 *
 * <p>Every case carries an expectation:
 * <ul>
 *   <li>BAD: the request breaks an RFC 9112/9110 rule a server must not let through (broken request line,
 *       bad header syntax, oversized headers, conflicting lengths, bad chunks, NUL and non-ASCII bytes
 *       where the grammar forbids them). Passes on a 4xx (or 501/505, the RFC's answers for unknown
 *       transfer codings and versions) or a connection closed without an answer.
 *   <li>AMBIGUOUS_FRAMING: Content-Length with Transfer-Encoding, or Transfer-Encoding in HTTP/1.0. The
 *       RFC lets the server reject it or process it, but it must close the connection afterwards; a
 *       second request is pipelined behind it to check that it is never answered.
 *   <li>ODD: unusual but legal, or the RFC lets the server either reject or repair it (obs-fold,
 *       bare LF, NUL in a field value, random mutations). Passes on any answer but a 5xx, or a close.
 *   <li>EARLY_CLOSE: a request cut short, then the client closes (FIN) or resets (RST). Nothing to read;
 *       the next valid request shows whether the server survived.
 *   <li>LEFT_TO_ALB: what the server leaves to the load balancer in front ({@link #LEFT_TO_ALB}):
 *       passes on any answer but a 5xx, or a close.
 * </ul>
 * Every case must be answered or closed within {@code --timeout-ms}; otherwise it counts as a hang.
 * Exit status 0 when nothing failed.
 */
public class Fuzz {

    enum Expect { BAD, AMBIGUOUS_FRAMING, ODD, EARLY_CLOSE, LEFT_TO_ALB }

    /**
     * Cases the server leaves to the load balancer in front (docs/server.md, "What protects the
     * server"): ambiguous framing (the ALB's desync mitigation), an empty header name (the ALB drops
     * invalid header fields) and a second Host header (harmless: the server does not route by host,
     * the first one counts). They are generated as before, so a seed sends
     * the same bytes, but judged as LEFT_TO_ALB: any answer but a 5xx, or a close, and no hang.
     */
    static final java.util.Set<String> LEFT_TO_ALB = java.util.Set.of("cl-and-te", "te-and-cl");

    /** The expectation a case is judged by: its own, unless the server leaves it to the ALB. */
    static Expect judgedAs(Case c) {
        return LEFT_TO_ALB.contains(c.name().replaceFirst("^valid-then-", "")) ? Expect.LEFT_TO_ALB : c.expect();
    }

    record Case(String category, String name, byte[] bytes, Expect expect, boolean reset) {
        Case in(String newCategory) {
            return new Case(newCategory, name, bytes, expect, reset);
        }
    }

    record Response(int status, byte[] body, boolean complete) {}

    static final String CRLF = "\r\n";
    static final byte[] FOLLOW_UP = ascii("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

    // ------------------------------------------------------------------ generation

    final Random rnd;

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String req(String requestLine, String... headers) {
        StringBuilder sb = new StringBuilder(requestLine).append(CRLF);
        for (String h : headers) {
            sb.append(h).append(CRLF);
        }
        return sb.append(CRLF).toString();
    }

    static final String HOST = "Host: 127.0.0.1";
    static final String UA = "User-Agent: fuzz";

    String valid() {
        return req("GET /hello HTTP/1.1", HOST, UA, "Accept: */*");
    }

    <T> T pick(List<T> list) {
        return list.get(rnd.nextInt(list.size()));
    }

    String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    String randomToken(int len) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** A byte the grammar does not allow in a token: control, NUL, non-ASCII or a separator. */
    char badTokenChar() {
        return pick(List.of('\0', '\u0001', '\u007f', '\u00e9', '\u00ff', '(', ')', ',', '/', '@', '[', '"', '{'));
    }

    Case requestLine() {
        List<Function<Fuzz, Case>> cases = List.of(
            f -> bad("no-version", req("GET /hello", HOST)),
            f -> bad("bad-version", req("GET /hello " + pick(List.of("HTTP/1.x", "HTTP/11", "HTTP/1", "HTTP/",
                    "HTTP 1.1", "HTTP/1.1.1", "HTTP/-1.1", "HTTP/1.1x", "/1.1", "HTTP\\1.1")), HOST)),
            f -> bad("unsupported-version", req("GET /hello " + pick(List.of("HTTP/2.0", "HTTP/3.0", "HTTP/0.9",
                    "HTTP/9.9", "HTTPS/1.1", "FOO/1.1")), HOST)),
            f -> bad("extra-token", req("GET /hello HTTP/1.1 " + randomToken(1 + rnd.nextInt(8)), HOST)),
            f -> bad("no-target", req("GET  HTTP/1.1", HOST)),
            f -> bad("no-method", req(" /hello HTTP/1.1", HOST)),
            f -> bad("only-method", req("GET", HOST)),
            f -> bad("bad-method-char", req("G" + badTokenChar() + "T /hello HTTP/1.1", HOST)),
            f -> bad("target-not-origin-form", req("GET " + pick(List.of("hello", "*", "..", "%", "?x=1", "\\hello"))
                    + " HTTP/1.1", HOST)),
            f -> bad("control-in-target", req("GET /hel" + pick(List.of("\u0001", "\u001b", "\u007f", "\0"))
                    + "lo HTTP/1.1", HOST)),
            f -> bad("non-ascii-in-target", req("GET /h\u00e9llo\u00ff HTTP/1.1", HOST)),
            f -> bad("nul-in-version", req("GET /hello HTTP/1.1\0", HOST)),
            f -> bad("long-target", req("GET /" + repeat('a', 5000 + rnd.nextInt(60000)) + " HTTP/1.1", HOST)),
            f -> bad("long-method", req(repeat('G', 5000 + rnd.nextInt(20000)) + " /hello HTTP/1.1", HOST)),
            f -> odd("lowercase-version", req("GET /hello http/1.1", HOST)),
            f -> odd("leading-empty-line", CRLF + valid()),
            f -> odd("bare-lf", valid().replace(CRLF, "\n")),
            f -> odd("absolute-form", req("GET http://127.0.0.1/hello HTTP/1.1", HOST)),
            f -> odd("http-1.0", req("GET /hello HTTP/1.0")),
            f -> odd("unknown-method", req(pick(List.of("FOO", "PROPFIND", "BREW", "get")) + " /hello HTTP/1.1", HOST)),
            f -> odd("query-and-fragment", req("GET /hello?" + randomToken(20) + "#x HTTP/1.1", HOST)),
            f -> odd("tab-separator", req("GET\t/hello\tHTTP/1.1", HOST)));
        return pick(cases).apply(this).in("request-line");
    }

    Case headerSyntax() {
        List<Function<Fuzz, Case>> cases = List.of(
            f -> bad("space-before-colon", req("GET /hello HTTP/1.1", HOST, "X-Fuzz" + pick(List.of(" ", "\t", "  "))
                    + ": 1")),
            f -> bad("no-colon", req("GET /hello HTTP/1.1", HOST, "X-Fuzz-" + randomToken(8))),
            f -> bad("empty-name", req("GET /hello HTTP/1.1", HOST, ": value")),
            f -> bad("bad-name-char", req("GET /hello HTTP/1.1", HOST, "X" + badTokenChar() + "Fuzz: 1")),
            f -> bad("space-in-name", req("GET /hello HTTP/1.1", HOST, "X Fuzz: 1")),
            f -> bad("missing-host", req("GET /hello HTTP/1.1", UA)),
            f -> bad("duplicate-host", req("GET /hello HTTP/1.1", HOST, pick(List.of(HOST, "Host: example.com")))),
            f -> bad("bad-host", req("GET /hello HTTP/1.1", "Host: " + pick(List.of("a b", "[::1", "exa mple.com",
                    "a/b", "h@st:80:80", "\u00e9.example")))),
            f -> bad("header-before-request-line", "X-Fuzz: 1\r\n" + valid()),
            f -> odd("obs-fold", req("GET /hello HTTP/1.1", HOST, "X-Fuzz: a", pick(List.of(" b", "\tb")))),
            f -> odd("nul-in-value", req("GET /hello HTTP/1.1", HOST, "X-Fuzz: a\0b")),
            f -> odd("control-in-value", req("GET /hello HTTP/1.1", HOST, "X-Fuzz: a\u0001\u001bb\u007f")),
            f -> odd("non-ascii-value", req("GET /hello HTTP/1.1", HOST, "X-Fuzz: \u00e9\u00ff\u0080")),
            f -> odd("bare-cr-in-value", req("GET /hello HTTP/1.1", HOST, "X-Fuzz: a\rb")),
            f -> odd("no-space-after-colon", req("GET /hello HTTP/1.1", HOST, "X-Fuzz:1")),
            f -> odd("empty-value", req("GET /hello HTTP/1.1", HOST, "X-Fuzz:")),
            f -> odd("trailing-whitespace", req("GET /hello HTTP/1.1", HOST + " \t", "X-Fuzz: 1 \t")));
        return pick(cases).apply(this).in("header-syntax");
    }

    Case hugeHeaders() {
        List<Function<Fuzz, Case>> cases = List.of(
            f -> bad("huge-value", req("GET /hello HTTP/1.1", HOST, "X-Fuzz: " + repeat('v', 9000 + rnd.nextInt(60000)))),
            f -> bad("huge-name", req("GET /hello HTTP/1.1", HOST, repeat('N', 9000 + rnd.nextInt(30000)) + ": 1")),
            f -> {
                int n = 100 + rnd.nextInt(900);
                String[] hs = new String[n + 1];
                hs[0] = HOST;
                for (int i = 1; i <= n; i++) {
                    hs[i] = "X-Fuzz-" + i + ": " + randomToken(80);
                }
                return bad("many-headers", req("GET /hello HTTP/1.1", hs));
            },
            f -> odd("headers-under-limit", req("GET /hello HTTP/1.1", HOST, "X-Fuzz: " + repeat('v', 2000 + rnd.nextInt(4000)))));
        return pick(cases).apply(this).in("huge-headers");
    }

    Case duplicateHeaders() {
        List<Function<Fuzz, Case>> cases = List.of(
            f -> bad("conflicting-content-length", req("POST /hello HTTP/1.1", HOST, "Content-Length: 1",
                    "Content-Length: 2") + "ab"),
            f -> bad("content-length-list", req("POST /hello HTTP/1.1", HOST, "Content-Length: 1, 2") + "ab"),
            f -> odd("same-content-length-twice", req("POST /hello HTTP/1.1", HOST, "Content-Length: 2",
                    "Content-Length: 2") + "ab"),
            f -> odd("duplicate-plain-header", req("GET /hello HTTP/1.1", HOST, UA, UA, "Accept: a", "Accept: b")),
            f -> odd("duplicate-connection", req("GET /hello HTTP/1.1", HOST, "Connection: close",
                    "Connection: keep-alive")));
        return pick(cases).apply(this).in("duplicate-headers");
    }

    Case lengths() {
        String chunked = "5\r\nhello\r\n0\r\n\r\n";
        String chunkedLength = "Content-Length: " + chunked.length();
        List<Function<Fuzz, Case>> cases = List.of(
            f -> ambiguous("cl-and-te", req("POST /hello HTTP/1.1", HOST, "Content-Length: " + rnd.nextInt(40),
                    "Transfer-Encoding: chunked") + chunked),
            f -> ambiguous("te-and-cl", req("POST /hello HTTP/1.1", HOST, "Transfer-Encoding: chunked",
                    "Content-Length: " + rnd.nextInt(40)) + chunked),
            f -> ambiguous("te-in-http-1.0", req("POST /hello HTTP/1.0", HOST, "Transfer-Encoding: chunked") + chunked),
            f -> bad("te-not-chunked-last", req("POST /hello HTTP/1.1", HOST, "Transfer-Encoding: "
                    + pick(List.of("gzip", "chunked, gzip", "identity", "chunked, identity"))) + chunked),
            f -> bad("te-unknown", req("POST /hello HTTP/1.1", HOST, "Transfer-Encoding: "
                    + pick(List.of("xchunked", "chunked-false", "chunk", "\"chunked\"", "chunked;q=1")),
                    chunkedLength) + chunked),
            f -> bad("te-space-before-colon", req("POST /hello HTTP/1.1", HOST, "Transfer-Encoding : chunked",
                    chunkedLength) + chunked),
            f -> bad("content-length-not-a-number", req("POST /hello HTTP/1.1", HOST, "Content-Length: "
                    + pick(List.of("abc", "-1", "1.0", "+5", "0x10", "5 5", "1e3", "", "99999999999999999999999"))) + "hello"),
            f -> bad("body-over-limit", req("POST /hello HTTP/1.1", HOST, "Content-Length: " + (1 << 20))
                    + repeat('b', 1 << 20)),
            f -> odd("te-chunked-valid", req("POST /hello HTTP/1.1", HOST, "Transfer-Encoding: chunked") + chunked),
            f -> odd("te-uppercase", req("POST /hello HTTP/1.1", HOST, "Transfer-Encoding: CHUNKED") + chunked),
            f -> odd("get-with-small-body", req("GET /hello HTTP/1.1", HOST, "Content-Length: 5") + "hello"));
        return pick(cases).apply(this).in("length-conflicts");
    }

    Case chunks() {
        String head = req("POST /hello HTTP/1.1", HOST, "Transfer-Encoding: chunked");
        List<Function<Fuzz, Case>> cases = List.of(
            f -> bad("non-hex-size", head + pick(List.of("zz", "g", "5z", "0x5", "-5", "+5", "5.0", "\u00e9", "\0"))
                    + "\r\nhello\r\n0\r\n\r\n"),
            f -> bad("overflowing-size", head + pick(List.of("FFFFFFFFFFFFFFFFFFFF", "100000000000000000",
                    "-FFFFFFFF", "8000000000000000")) + "\r\nhello\r\n0\r\n\r\n"),
            f -> bad("empty-size", head + "\r\nhello\r\n0\r\n\r\n"),
            f -> bad("data-longer-than-size", head + "3\r\nhello\r\n0\r\n\r\n"),
            f -> odd("odd-chunk-extension", head + "5;" + pick(List.of("\0", "\"", "=", "a=\"b")) + "\r\nhello\r\n0\r\n\r\n"),
            f -> bad("chunk-over-limit", head + "100000\r\n" + repeat('b', 0x100000) + "\r\n0\r\n\r\n"),
            f -> odd("chunk-extension", head + "5;name=value\r\nhello\r\n0\r\n\r\n"),
            f -> odd("trailer", head + "5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n"),
            f -> odd("many-small-chunks", head + "1\r\na\r\n".repeat(50 + rnd.nextInt(200)) + "0\r\n\r\n"));
        return pick(cases).apply(this).in("bad-chunks");
    }

    Case bytes() {
        List<Function<Fuzz, Case>> cases = List.of(
            f -> {
                byte[] junk = new byte[1 + rnd.nextInt(2000)];
                rnd.nextBytes(junk);
                junk[0] = (byte) (0x80 | junk[0]); // never a letter, so never a method by chance
                return bad("random-bytes", new String(junk, StandardCharsets.ISO_8859_1) + "\r\n\r\n");
            },
            f -> bad("tls-client-hello", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003"
                    + randomToken(32) + "\r\n\r\n"),
            // The HTTP/2 connection preface: our server (h2c off) answers 501; a server with h2c on would
            // answer with an HTTP/2 SETTINGS frame instead.
            f -> odd("http2-preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            f -> bad("nul-request-line", "\0\0\0\0\r\n" + req("", HOST)),
            f -> bad("utf8-method", req("G\u00c3\u00a9T /hello HTTP/1.1", HOST)),
            f -> bad("nul-in-name", req("GET /hello HTTP/1.1", HOST, "X-F\0uzz: 1")),
            f -> bad("non-ascii-name", req("GET /hello HTTP/1.1", HOST, "X-F\u00fczz: 1")));
        return pick(cases).apply(this).in("nul-and-non-ascii");
    }

    Case earlyClose() {
        String full = rnd.nextBoolean() ? valid()
                : req("POST /hello HTTP/1.1", HOST, "Content-Length: 100") + "only part of the body";
        if (rnd.nextInt(4) == 0) {
            full = req("POST /hello HTTP/1.1", HOST, "Transfer-Encoding: chunked") + "5\r\nhello\r\n";
        }
        int cut = rnd.nextInt(full.length());
        boolean reset = rnd.nextBoolean();
        return new Case("early-close", reset ? "cut-then-rst" : "cut-then-fin", ascii(full.substring(0, cut)),
                Expect.EARLY_CLOSE, reset);
    }

    Case randomMutation() {
        byte[] base = ascii(valid());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int edits = 1 + rnd.nextInt(4);
        byte[] cur = base;
        for (int e = 0; e < edits; e++) {
            int pos = rnd.nextInt(cur.length - 4); // keep the final CRLF CRLF so the request is complete
            out.reset();
            out.write(cur, 0, pos);
            switch (rnd.nextInt(4)) {
                case 0 -> { out.write(cur[pos] ^ (1 << rnd.nextInt(8))); out.write(cur, pos + 1, cur.length - pos - 1); }
                case 1 -> out.write(cur, pos + 1, cur.length - pos - 1);
                case 2 -> { out.write(rnd.nextInt(256)); out.write(cur, pos, cur.length - pos); }
                default -> { byte[] dup = java.util.Arrays.copyOfRange(cur, pos, Math.min(cur.length - 4, pos + 1 + rnd.nextInt(16)));
                    out.write(dup, 0, dup.length); out.write(cur, pos, cur.length - pos); }
            }
            cur = out.toByteArray();
        }
        return new Case("random-mutation", "edits-" + edits, cur, Expect.ODD, false);
    }

    Case pipelinedBad() {
        Case bad;
        do {
            bad = switch (rnd.nextInt(3)) {
                case 0 -> requestLine();
                case 1 -> headerSyntax();
                default -> bytes();
            };
        } while (bad.expect() != Expect.BAD);
        byte[] first = ascii(valid());
        byte[] all = new byte[first.length + bad.bytes().length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(bad.bytes(), 0, all, first.length, bad.bytes().length);
        return new Case("pipelined", "valid-then-" + bad.name(), all, Expect.BAD, false);
    }

    Case bad(String name, String s) {
        return new Case("", name, ascii(s), Expect.BAD, false);
    }

    Case odd(String name, String s) {
        return new Case("", name, ascii(s), Expect.ODD, false);
    }

    Case ambiguous(String name, String s) {
        byte[] req = ascii(s);
        byte[] all = new byte[req.length + FOLLOW_UP.length];
        System.arraycopy(req, 0, all, 0, req.length);
        System.arraycopy(FOLLOW_UP, 0, all, req.length, FOLLOW_UP.length);
        return new Case("", name, all, Expect.AMBIGUOUS_FRAMING, false);
    }

    Case next() {
        return switch (rnd.nextInt(10)) {
            case 0 -> requestLine();
            case 1 -> headerSyntax();
            case 2 -> hugeHeaders();
            case 3 -> duplicateHeaders();
            case 4 -> lengths();
            case 5 -> chunks();
            case 6 -> bytes();
            case 7 -> earlyClose();
            case 8 -> randomMutation();
            default -> pipelinedBad();
        };
    }

    // ------------------------------------------------------------------ sending

    static final class Stats {
        final Map<String, Map<String, Integer>> byCategory = new TreeMap<>();
        final List<String> failures = new ArrayList<>();
        final Map<String, Integer> failuresByCase = new TreeMap<>();
        int failed;
        int hangs;

        void count(String category, String outcome) {
            byCategory.computeIfAbsent(category, k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
        }

        void fail(int index, Case c, String why) {
            failed++;
            count(c.category(), "FAIL");
            failuresByCase.merge(c.category() + "/" + c.name(), 1, Integer::sum);
            if (failures.size() < 25) {
                failures.add(String.format("#%d %s/%s: %s; request: %s", index, c.category(), c.name(), why,
                        escape(c.bytes(), 160)));
            }
        }
    }

    static String escape(byte[] b, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, max); i++) {
            int c = b[i] & 0xff;
            if (c == '\r') sb.append("\\r");
            else if (c == '\n') sb.append("\\n");
            else if (c >= 0x20 && c < 0x7f && c != '\\') sb.append((char) c);
            else sb.append(String.format("\\x%02x", c));
        }
        if (b.length > max) sb.append("...(").append(b.length).append(" bytes)");
        return sb.toString();
    }

    /** Reads one response; null when the connection closed (FIN or RST) before its status line. */
    static Response readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        try {
            while (state < 4) {
                int b = in.read();
                if (b < 0) {
                    return partial(head);
                }
                head.write(b);
                if (head.size() == 1 && (b < 0x20 || b > 0x7e)) {
                    return new Response(-1, head.toByteArray(), false); // binary (HTTP/2 frames): not HTTP/1.x
                }
                state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                        ? state + 1 : (b == '\r' ? 1 : 0);
            }
        } catch (SocketTimeoutException e) {
            if (head.size() > 0 && parseStatus(head.toString(StandardCharsets.ISO_8859_1)) < 0) {
                return new Response(-1, head.toByteArray(), false); // bytes, but not HTTP/1.x
            }
            throw e;
        } catch (IOException e) { // connection reset
            return partial(head);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int status = parseStatus(text);
        int length = -1;
        for (String line : text.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                length = Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            if (length >= 0) {
                while (body.size() < length) {
                    int b = in.read();
                    if (b < 0) return new Response(status, body.toByteArray(), false);
                    body.write(b);
                }
            } else {
                in.transferTo(body);
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            return new Response(status, body.toByteArray(), false);
        }
        return new Response(status, body.toByteArray(), true);
    }

    static Response partial(ByteArrayOutputStream head) {
        if (head.size() == 0) {
            return null;
        }
        return new Response(parseStatus(head.toString(StandardCharsets.ISO_8859_1)), new byte[0], false);
    }

    /**
     * The status code of a status line. Vert.x answers an unknown protocol version with that version in
     * its status line ("FOO/1.1 501 Not Implemented"), so any NAME/D.D protocol is taken.
     */
    static int parseStatus(String text) {
        String[] parts = text.split(" ", 3);
        if (parts.length < 2 || !parts[0].matches("[!-~]+/\\d\\.\\d")) {
            return -1;
        }
        try {
            return Integer.parseInt(parts[1].trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static boolean rejected(int status) {
        return (status >= 400 && status < 500) || status == 501 || status == 505;
    }

    final String host;
    final int port;
    final int timeoutMs;

    Fuzz(long seed, String host, int port, int timeoutMs) {
        this.rnd = new Random(seed);
        this.host = host;
        this.port = port;
        this.timeoutMs = timeoutMs;
    }

    Socket connect() throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(timeoutMs);
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(host, port), timeoutMs);
        return s;
    }

    /** Writes as much as the server takes; it may answer and close before reading everything. */
    static boolean writeAll(OutputStream out, byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Writes with a deadline: a blocking write has no timeout of its own, so a watchdog closes the
     * socket when the server neither reads nor closes. Returns false when the deadline passed.
     */
    boolean writeWithDeadline(Socket s, byte[] bytes) {
        java.util.concurrent.atomic.AtomicBoolean expired = new java.util.concurrent.atomic.AtomicBoolean();
        var watchdog = WATCHDOG.schedule(() -> {
            expired.set(true);
            try {
                s.close();
            } catch (IOException ignored) {
                // closing is all we can do
            }
        }, timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            writeAll(s.getOutputStream(), bytes);
        } catch (IOException ignored) {
            // the server closed first; what it answered is still readable
        }
        watchdog.cancel(false);
        return !expired.get();
    }

    static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "write-watchdog");
                t.setDaemon(true);
                return t;
            });

    void send(int index, Case c, Stats stats) throws IOException {
        try (Socket s = connect()) {
            if (c.expect() == Expect.EARLY_CLOSE) {
                writeAll(s.getOutputStream(), c.bytes());
                if (c.reset()) {
                    s.setSoLinger(true, 0);
                }
                stats.count(c.category(), "sent-and-closed");
                return;
            }
            if (!writeWithDeadline(s, c.bytes())) {
                stats.hangs++;
                stats.fail(index, c, "the server neither read the request nor closed within " + timeoutMs + " ms");
                return;
            }
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            Response r;
            try {
                r = readResponse(in);
            } catch (SocketTimeoutException e) {
                stats.hangs++;
                stats.fail(index, c, "no answer and no close within " + timeoutMs + " ms (hang)");
                return;
            }
            if (c.category().equals("pipelined")) {
                if (r == null || r.status() != 200 || !"Hello world".equals(new String(r.body(), StandardCharsets.UTF_8))) {
                    stats.fail(index, c, "the valid request in front got " + describe(r));
                    return;
                }
                try {
                    r = readResponse(in);
                } catch (SocketTimeoutException e) {
                    stats.hangs++;
                    stats.fail(index, c, "bad request behind a valid one: no answer, no close (hang)");
                    return;
                }
            }
            if (r == null) {
                stats.count(c.category(), "closed");
                return;
            }
            if (r.status() < 0) {
                if (c.expect() == Expect.ODD) {
                    // e.g. an HTTP/0.9 answer to a request line without a version, or HTTP/2 frames
                    stats.count(c.category(), "non-http/1-answer");
                } else {
                    stats.fail(index, c, "answer is not HTTP/1.x");
                }
                return;
            }
            switch (judgedAs(c)) {
                case LEFT_TO_ALB -> {
                    if (r.status() >= 500 && !rejected(r.status())) {
                        stats.fail(index, c, "server error " + r.status());
                    } else {
                        stats.count(c.category(), r.status() + "(ALB's)");
                    }
                }
                case BAD -> {
                    if (rejected(r.status())) {
                        stats.count(c.category(), String.valueOf(r.status()));
                    } else {
                        stats.fail(index, c, "bad request answered " + r.status());
                    }
                }
                case ODD -> {
                    if (r.status() >= 500 && !rejected(r.status())) {
                        stats.fail(index, c, "server error " + r.status());
                    } else {
                        stats.count(c.category(), String.valueOf(r.status()));
                    }
                }
                case AMBIGUOUS_FRAMING -> {
                    Response second;
                    try {
                        second = readResponse(in);
                    } catch (SocketTimeoutException e) {
                        second = new Response(0, new byte[0], false);
                    }
                    if (r.status() >= 500 && !rejected(r.status())) {
                        stats.fail(index, c, "server error " + r.status());
                    } else if (second == null) {
                        stats.count(c.category(), r.status() + "+closed");
                    } else if (rejected(r.status()) && second.status() == 0) {
                        // Rejected, the rest discarded, but the connection stays open until the idle timeout.
                        stats.count(c.category(), r.status() + "+left-open");
                    } else {
                        stats.fail(index, c, "answered " + r.status() + " and kept the connection open"
                                + (second.status() > 0 ? " (answered the request behind it: " + second.status() + ")"
                                : " (the request behind it got no answer)"));
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    static String describe(Response r) {
        if (r == null) return "a closed connection";
        return r.status() + " '" + escape(r.body(), 40) + "'";
    }

    /** Returns null when the valid request got 200 "Hello world", else what went wrong. */
    String sendValid() {
        try (Socket s = connect()) {
            writeAll(s.getOutputStream(), ascii(valid()));
            Response r = readResponse(new java.io.BufferedInputStream(s.getInputStream()));
            if (r != null && r.status() == 200 && r.complete()
                    && "Hello world".equals(new String(r.body(), StandardCharsets.UTF_8))) {
                return null;
            }
            return "got " + describe(r);
        } catch (ConnectException e) {
            return "connection refused (server down?)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    public static void main(String[] args) throws Exception {
        long seed = 42;
        int count = 10_000;
        int port = 8888;
        int timeoutMs = 3000;
        int show = -1;
        String host = "127.0.0.1";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--count" -> count = Integer.parseInt(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--host" -> host = args[++i];
                case "--timeout-ms" -> timeoutMs = Integer.parseInt(args[++i]);
                case "--show" -> show = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: java bench/Fuzz.java [--port 8888] [--seed 42] [--count 10000] "
                            + "[--timeout-ms 3000] [--host 127.0.0.1] [--show N]");
                    System.exit(2);
                }
            }
        }
        Fuzz fuzz = new Fuzz(seed, host, port, timeoutMs);
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        if (show >= 0) {
            for (int i = 0; i <= show; i++) {
                Case c = fuzz.next();
                if (i == show) {
                    System.out.println("#" + i + " " + c.category() + "/" + c.name() + " " + c.expect());
                    System.out.println(escape(c.bytes(), Integer.MAX_VALUE));
                }
            }
            return;
        }
        System.out.printf(Locale.ROOT, "fuzz: %d mutated requests to %s:%d, seed %d, a valid GET /hello after every 100, "
                + "timeout %d ms%n", count, host, port, seed, timeoutMs);
        Stats stats = new Stats();
        int validSent = 0;
        int validOk = 0;
        long maxValidNanos = 0;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            Case c = fuzz.next();
            digest.update(c.bytes());
            try {
                fuzz.send(i, c, stats);
            } catch (ConnectException e) {
                stats.fail(i, c, "connection refused: the server is down");
                break;
            } catch (IOException e) {
                stats.fail(i, c, "client I/O error " + e);
            }
            if (stats.hangs > 20) {
                System.out.println("fuzz: more than 20 hangs, stopping early");
                break;
            }
            if ((i + 1) % 100 == 0) {
                validSent++;
                long t0 = System.nanoTime();
                String problem = fuzz.sendValid();
                maxValidNanos = Math.max(maxValidNanos, System.nanoTime() - t0);
                if (problem == null) {
                    validOk++;
                } else {
                    stats.failed++;
                    if (stats.failures.size() < 25) {
                        stats.failures.add("valid request after #" + i + ": " + problem);
                    }
                    if (problem.startsWith("connection refused")) {
                        break;
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.println("outcome per category (status code, closed = connection closed without an answer):");
        stats.byCategory.forEach((cat, outcomes) -> {
            int total = outcomes.values().stream().mapToInt(Integer::intValue).sum();
            System.out.printf(Locale.ROOT, "  %-18s %5d  %s%n", cat, total, outcomes);
        });
        int mutated = stats.byCategory.values().stream().flatMap(m -> m.values().stream()).mapToInt(Integer::intValue).sum();
        System.out.printf(Locale.ROOT, "valid requests: %d sent, %d answered 200 'Hello world', slowest %.1f ms%n",
                validSent, validOk, maxValidNanos / 1e6);
        if (!stats.failuresByCase.isEmpty()) {
            System.out.println("failures per case: " + stats.failuresByCase);
        }
        stats.failures.forEach(f -> System.out.println("FAIL " + f));
        System.out.printf(Locale.ROOT, "fuzz: seed %d, requests digest %s%n", seed,
                HexFormat.of().formatHex(digest.digest()).substring(0, 16));
        System.out.printf(Locale.ROOT, "fuzz: %d mutated + %d valid requests in %.1f s, failures %d (hangs %d)%n",
                mutated, validSent, seconds, stats.failed, stats.hangs);
        System.exit(stats.failed == 0 && validOk == validSent && mutated == count ? 0 : 1);
    }
}
