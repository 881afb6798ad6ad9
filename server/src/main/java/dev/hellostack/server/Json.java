package dev.hellostack.server;

/** Minimal JSON string encoding for the log writer (the server has no JSON library of its own). */
final class Json {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Json() {
  }

  /** {@code value} as a quoted JSON string; {@code null} becomes {@code null}. */
  static String quote(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(value.length() + 2);
    appendQuoted(out, value);
    return out.toString();
  }

  /**
   * Appends {@code value} as a quoted JSON string. The output is plain ASCII: quotes, backslashes and
   * control characters are escaped, and so is everything outside printable ASCII ({@code \\uXXXX}), so
   * a log line is one valid JSON line whatever the platform's default charset is.
   */
  static void appendQuoted(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /** Appends a number, boolean, or (for anything else) its {@code toString()} as a JSON string. */
  static void appendValue(StringBuilder out, Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short
        || value instanceof Byte || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isFinite(d)) {
        out.append(value);
      } else {
        appendQuoted(out, value.toString());
      }
    } else {
      appendQuoted(out, value.toString());
    }
  }
}
