package dev.hellostack.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A plain TCP connection for sending exactly the bytes a test wants and parsing HTTP/1.x responses. */
final class RawHttp implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  /** One parsed response. */
  record Response(String statusLine, int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  RawHttp send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawHttp send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Reads one response; {@code head} says it answers a HEAD request (no body despite Content-Length). */
  Response read(boolean head) throws IOException {
    String statusLine = readLine();
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    String[] parts = statusLine.split(" ", 3);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line; !(line = readLine()).isEmpty(); ) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    int length = head ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    if (body.length != length) {
      throw new IOException("body cut short: " + body.length + " of " + length + " bytes");
    }
    return new Response(statusLine, Integer.parseInt(parts[1]), headers, new String(body, StandardCharsets.UTF_8));
  }

  Response read() throws IOException {
    return read(false);
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
    if (line.size() == 0) {
      return null;
    }
    throw new IOException("connection closed mid-line: " + line.toString(StandardCharsets.ISO_8859_1));
  }

  /**
   * Waits up to {@code timeoutMillis} for the server to close the connection, discarding any bytes.
   * Returns true if it closed (end of stream or reset), false if it was still open.
   */
  boolean closedWithin(long timeoutMillis) throws IOException {
    socket.setSoTimeout((int) timeoutMillis);
    try {
      byte[] buffer = new byte[4096];
      long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
      while (System.nanoTime() < deadline) {
        if (in.read(buffer) == -1) {
          return true;
        }
      }
      return false;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset by peer also means closed
    } finally {
      socket.setSoTimeout(10_000);
    }
  }

  /**
   * Reads whatever the server still sends until it closes the connection (end of stream or reset)
   * and returns it; fails if the connection is still open after {@code timeoutMillis}.
   */
  String restUntilClosed(long timeoutMillis) throws IOException {
    return restUntilClosed(timeoutMillis, true);
  }

  /** Like {@link #restUntilClosed(long)}, but a reset fails: the server must close with a FIN. */
  String restUntilEndOfStream(long timeoutMillis) throws IOException {
    return restUntilClosed(timeoutMillis, false);
  }

  private String restUntilClosed(long timeoutMillis, boolean resetIsClose) throws IOException {
    socket.setSoTimeout((int) timeoutMillis);
    ByteArrayOutputStream rest = new ByteArrayOutputStream();
    try {
      byte[] buffer = new byte[4096];
      for (int n; (n = in.read(buffer)) != -1; ) {
        rest.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new IOException("connection still open after " + timeoutMillis + " ms; received "
          + rest.toString(StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      if (!resetIsClose) {
        throw e;
      }
    } finally {
      socket.setSoTimeout(10_000);
    }
    return rest.toString(StandardCharsets.ISO_8859_1);
  }

  /** Sets how long a read may wait. */
  RawHttp readTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
    return this;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** A plain {@code GET /hello} on a new connection, as proof the server is still healthy. */
  static Response getHello(int port) throws IOException {
    try (RawHttp http = new RawHttp(port)) {
      return http.send("GET /hello HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").read();
    }
  }
}
