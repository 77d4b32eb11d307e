package dev.thoughtline.question.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.UUID;

/**
 * The normalisation every question goes through, and the key exact dedup uses.
 * <ul>
 *   <li>stored text: Unicode NFKC, line endings as {@code \n}, trailing blanks of each line removed,
 *   blank lines at the ends removed; indentation and line breaks are kept because code problems need them;</li>
 *   <li>dedup key: the stored text with every run of whitespace collapsed to one space, hashed with
 *   SHA-256 (ASCII as bytes, any other UTF-16 unit as an escape byte and two bytes) and cut to 128 bits.</li>
 * </ul>
 * Thread-safe.
 */
public final class TextNormalizer {

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[8192]);

    private TextNormalizer() {
    }

    /** The text as stored: see the class comment. Empty when nothing but whitespace was given. */
    public static String normalize(String raw) {
        String s = isAscii(raw) ? raw : Normalizer.normalize(raw, Normalizer.Form.NFKC);
        StringBuilder out = null;
        int n = s.length();
        int lineStart = 0;
        // fast path: no '\r', no trailing blanks before line ends, no blank ends
        for (int i = 0; i <= n; i++) {
            char c = i < n ? s.charAt(i) : '\n';
            if (c == '\r' || (c == '\n' && i > lineStart && isBlank(s.charAt(i - 1)))) {
                out = new StringBuilder(n);
                break;
            }
            if (c == '\n') {
                lineStart = i + 1;
            }
        }
        if (out == null) {
            return s.strip();
        }
        int i = 0;
        while (i < n) {
            int end = i;
            while (end < n && s.charAt(end) != '\n' && s.charAt(end) != '\r') {
                end++;
            }
            int trimmed = end;
            while (trimmed > i && isBlank(s.charAt(trimmed - 1))) {
                trimmed--;
            }
            out.append(s, i, trimmed);
            if (end < n) {
                out.append('\n');
                if (s.charAt(end) == '\r' && end + 1 < n && s.charAt(end + 1) == '\n') {
                    end++;
                }
            }
            i = end + 1;
        }
        return out.toString().strip();
    }

    /** The dedup key of already normalised text. */
    public static UUID hash(String normalized) {
        MessageDigest sha = SHA256.get();
        byte[] buf = BUFFER.get();
        int n = 0;
        boolean space = false;
        boolean started = false;
        for (int i = 0; i < normalized.length(); i++) {
            char c = normalized.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                space = true;
                continue;
            }
            if (n + 5 > buf.length) {
                sha.update(buf, 0, n);
                n = 0;
            }
            if (space && started) {
                buf[n++] = ' ';
            }
            space = false;
            started = true;
            if (c < 0x80) {
                buf[n++] = (byte) c;
            } else {
                // UTF-16 code units fed as two bytes: a fixed, injective encoding is all a key needs
                buf[n++] = (byte) 0xFF;
                buf[n++] = (byte) (c >> 8);
                buf[n++] = (byte) c;
            }
        }
        sha.update(buf, 0, n);
        byte[] d = sha.digest();
        long hi = 0;
        long lo = 0;
        for (int k = 0; k < 8; k++) {
            hi = (hi << 8) | (d[k] & 0xFF);
            lo = (lo << 8) | (d[k + 8] & 0xFF);
        }
        return new UUID(hi, lo);
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\u000B' || c == '\f' || Character.isSpaceChar(c);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
