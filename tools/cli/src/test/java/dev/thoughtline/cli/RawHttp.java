package dev.thoughtline.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Requests on a socket of their own, for what the JDK client will not send as it is: a body longer than it says,
 * a chunked body, a request line past the server's limit. Sends the suite's token.
 */
final class RawHttp {

    private RawHttp() {
    }

    /** Sends {@code head} (with the token added) and then {@code bodyBytes} zero bytes; returns the status line and the rest. */
    static String[] send(String origin, String head, int bodyBytes) throws IOException {
        return send(origin, head, null, bodyBytes);
    }

    static String[] send(String origin, String head, byte[] body) throws IOException {
        return send(origin, head, body, 0);
    }

    private static String[] send(String origin, String head, byte[] body, int zeros) throws IOException {
        URI uri = URI.create(origin);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "Host: " + uri.getHost() + "\r\nAuthorization: Bearer " + PackagedSuite.TOKEN + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            // the body goes on in the background: the answer may come (and the server close) before it is all sent
            Thread writer = new Thread(() -> {
                byte[] block = new byte[64 << 10];
                try {
                    for (int n = 0; n < zeros; n += block.length) {
                        out.write(block, 0, Math.min(block.length, zeros - n));
                    }
                    out.flush();
                } catch (IOException closed) {
                    // the server answered and closed: what a limit does
                }
            });
            writer.setDaemon(true);
            writer.start();
            InputStream in = socket.getInputStream();
            byte[] answer = readAnswer(in);
            String text = new String(answer, StandardCharsets.UTF_8);
            int eol = text.indexOf("\r\n");
            return new String[] {eol < 0 ? text : text.substring(0, eol), eol < 0 ? "" : text.substring(eol + 2)};
        }
    }

    /** Reads the head and, by its Content-Length, the body of one answer. */
    private static byte[] readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return head.toByteArray();
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : (b == '\r' ? 1 : 0);
        }
        String h = head.toString(StandardCharsets.UTF_8);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        byte[] body = in.readNBytes(length);
        head.write(body);
        return head.toByteArray();
    }
}
