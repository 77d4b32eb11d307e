package dev.thoughtline.contracts;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines ({@code \n} or {@code \r\n}) without decoding them, holding at most one
 * line of at most {@code maxLineBytes} in memory. A longer line is skipped to its end and reported as
 * {@link Line#tooLong()}, so one bad line cannot exhaust memory or stop the lines after it.
 * Not thread-safe; the returned line's bytes are valid until the next call.
 */
public final class LineReader {

    /** One line: {@code bytes[0, length)}; {@code number} is 1-based. */
    public record Line(long number, byte[] bytes, int length, boolean tooLong) {
        public boolean isBlank() {
            for (int i = 0; i < length; i++) {
                byte b = bytes[i];
                if (b != ' ' && b != '\t' && b != '\r') {
                    return false;
                }
            }
            return true;
        }
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int limit;
    private boolean eof;
    private byte[] line = new byte[1024];
    private long number;
    private long bytesRead;

    public LineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** Total bytes consumed from the stream so far. */
    public long bytesRead() {
        return bytesRead;
    }

    /** The next line, or null at the end of the stream. A final line without a newline is returned too. */
    public Line next() throws IOException {
        int len = 0;
        boolean tooLong = false;
        boolean any = false;
        while (true) {
            if (pos == limit) {
                if (eof || !fill()) {
                    if (!any) {
                        return null;
                    }
                    break;
                }
            }
            any = true;
            int start = pos;
            int nl = -1;
            for (int i = pos; i < limit; i++) {
                if (buf[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            int end = nl >= 0 ? nl : limit;
            int chunk = end - start;
            if (!tooLong) {
                if ((long) len + chunk > (long) maxLineBytes + 1) {
                    // +1 leaves room for the '\r' of a CRLF line that is exactly at the limit
                    tooLong = true;
                } else {
                    if (len + chunk > line.length) {
                        long grown = Math.min(Math.max(line.length * 2L, (long) len + chunk), (long) maxLineBytes + 1);
                        line = Arrays.copyOf(line, (int) Math.min(grown, Integer.MAX_VALUE - 8));
                    }
                    System.arraycopy(buf, start, line, len, chunk);
                    len += chunk;
                }
            }
            pos = nl >= 0 ? nl + 1 : limit;
            if (nl >= 0) {
                break;
            }
        }
        number++;
        if (!tooLong && len > 0 && line[len - 1] == '\r') {
            len--;
        }
        if (!tooLong && len > maxLineBytes) {
            tooLong = true;
        }
        return new Line(number, line, tooLong ? 0 : len, tooLong);
    }

    private boolean fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
            eof = true;
            return false;
        }
        pos = 0;
        limit = n;
        bytesRead += n;
        return true;
    }
}
