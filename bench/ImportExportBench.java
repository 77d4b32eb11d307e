import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bench for question-service: streams N generated questions of about 300 characters into one source
 * through the NDJSON import, mixes all of them into one dataset, then reads the dataset back through the
 * contract (pages of 10,000) and reports questions/s and MB/s. Plain JDK; run with
 * {@code java bench/ImportExportBench.java [baseUrl] [count] [runs]} against a running service. The upload
 * is a file written beforehand (sent by the JDK HttpClient); the export is read by a minimal HTTP/1.1
 * client that only counts bytes and lines.
 */
public class ImportExportBench {

    private static final String[] WORDS = ("the a of to in is that for it as with was on be at by this had not are but "
            + "from or have an they which one you were her all she there would their we him been has when who will more "
            + "no if out so said what up its about into than them can only other new some could time these two may then "
            + "do first any my now such like our over man me even most made after also did many before must through back "
            + "years where much your way well down should because each just those people how too little state good very "
            + "make world still own see men work long get here between both life being under never day same another know "
            + "triangle integer prime sum product circle radius probability sequence polynomial matrix vector").split(" ");

    public static void main(String[] args) throws Exception {
        String base = args.length > 0 ? args[0] : "http://localhost:8080";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        printMachine();
        System.out.printf("questions per run: %,d; runs: %d; service: %s%n", count, runs, base);
        for (int run = 1; run <= runs; run++) {
            String name = "bench-" + ProcessHandle.current().pid() + "-" + run;
            long source = createSource(http, base, name);
            // generated to a file first: the JDK client streams a file cheaply, while generating during the
            // upload would spend the cores the service and PostgreSQL need
            Path file = Files.createTempFile("thoughtline-bench", ".jsonl");
            try (InputStream in = new Generated(count, seedOf(name))) {
                Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            long uploadBytes = Files.size(file);
            long t0 = System.nanoTime();
            HttpResponse<String> r;
            try {
                r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sources/" + source + "/imports"))
                        .header("Content-Type", "application/x-ndjson")
                        .POST(HttpRequest.BodyPublishers.ofFile(file))
                        .timeout(Duration.ofMinutes(30)).build(), HttpResponse.BodyHandlers.ofString());
            } finally {
                Files.deleteIfExists(file);
            }
            double importS = (System.nanoTime() - t0) / 1e9;
            check(r, 200);
            long imported = field(r.body(), "imported");
            System.out.printf("run %d import: %,d imported (%.1f MB) in %.2f s = %,.0f questions/s (%s)%n", run, imported,
                    uploadBytes / 1e6, importS, imported / importS, r.body().replaceAll("\"errors\".*", "").trim());

            long t1 = System.nanoTime();
            HttpResponse<String> mix = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/mixes"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"components\":[{\"source\":\"" + name
                            + "\",\"count\":" + imported + "}],\"seed\":1}"))
                    .timeout(Duration.ofMinutes(30)).build(), HttpResponse.BodyHandlers.ofString());
            check(mix, 201);
            String ref = Pattern.compile("\"ref\":\"([^\"]+)\"").matcher(mix.body()).results().findFirst().orElseThrow().group(1);
            System.out.printf("run %d mix of %,d: %.2f s%n", run, imported, (System.nanoTime() - t1) / 1e9);

            long t2 = System.nanoTime();
            long[] counted = new long[2];
            try (RawHttp raw = new RawHttp(URI.create(ref))) {
                URI next = URI.create(ref + "/items?limit=10000");
                while (next != null) {
                    next = raw.get(next, counted);
                }
            }
            long bytes = counted[0];
            long items = counted[1];
            double exportS = (System.nanoTime() - t2) / 1e9;
            System.out.printf("run %d export: %,d items, %.1f MB in %.2f s = %.1f MB/s (%,.0f items/s)%n", run, items,
                    bytes / 1e6, exportS, bytes / 1e6 / exportS, items / exportS);
            if (items != imported) {
                throw new IllegalStateException("exported " + items + " items, expected " + imported);
            }
        }
    }

    /** N NDJSON lines of about 300 characters, generated as they are read; line i is unique. */
    static final class Generated extends InputStream {
        private final int count;
        private final long seed;
        private int i;
        private byte[] line = new byte[0];
        private int pos;

        Generated(int count, long seed) {
            this.count = count;
            this.seed = seed;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == line.length) {
                if (i == count) {
                    return -1;
                }
                line = next().getBytes(StandardCharsets.UTF_8);
                pos = 0;
            }
            int n = Math.min(len, line.length - pos);
            System.arraycopy(line, pos, b, off, n);
            pos += n;
            return n;
        }

        private String next() {
            long x = (seed << 32) ^ i * 0x9E3779B97F4A7C15L;
            StringBuilder sb = new StringBuilder(360).append("{\"id\":\"q").append(i).append("\",\"text\":\"Question ")
                    .append(i).append(':');
            while (sb.length() < 320) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                sb.append(' ').append(WORDS[(int) Long.remainderUnsigned(x, WORDS.length)]);
            }
            sb.append("?\",\"answer\":\"").append(i % 997).append("\"}\n");
            i++;
            return sb.toString();
        }
    }

    /**
     * A minimal keep-alive HTTP/1.1 client for the export: GET, read the headers, count the body's bytes
     * and lines as they arrive, return the Link rel="next" target. The JDK HttpClient's per-response
     * overhead, not the service, limited the figure with it.
     */
    static final class RawHttp implements AutoCloseable {
        private final java.net.Socket socket;
        private final java.io.OutputStream out;
        private final InputStream in;
        private final byte[] buf = new byte[1 << 20];
        private int pos;
        private int lim;

        RawHttp(URI base) throws IOException {
            socket = new java.net.Socket(base.getHost(), base.getPort());
            socket.setReceiveBufferSize(4 << 20);
            out = socket.getOutputStream();
            in = socket.getInputStream();
        }

        URI get(URI uri, long[] counted) throws IOException {
            String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = line();
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IllegalStateException(uri + " answered " + status);
            }
            long length = -1;
            URI next = null;
            for (String h = line(); !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                String name = h.substring(0, colon).trim().toLowerCase();
                String value = h.substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equals("link")) {
                    Matcher m = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"").matcher(value);
                    next = m.find() ? uri.resolve(m.group(1)) : null;
                } else if (name.equals("transfer-encoding")) {
                    throw new IllegalStateException("chunked responses are not handled here");
                }
            }
            if (length < 0) {
                throw new IllegalStateException("no Content-Length from " + uri);
            }
            long left = length;
            while (left > 0) {
                if (pos == lim && !fill()) {
                    throw new IOException("connection closed");
                }
                int n = (int) Math.min(left, lim - pos);
                for (int i = pos; i < pos + n; i++) {
                    if (buf[i] == '\n') {
                        counted[1]++;
                    }
                }
                pos += n;
                left -= n;
            }
            counted[0] += length;
            return next;
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos == lim && !fill()) {
                    throw new IOException("connection closed");
                }
                byte b = buf[pos++];
                if (b == '\n') {
                    int len = sb.length();
                    return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
                }
                sb.append((char) b);
            }
        }

        private boolean fill() throws IOException {
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) {
                return false;
            }
            pos = 0;
            lim = n;
            return true;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static long seedOf(String name) {
        return name.hashCode();
    }

    private static long createSource(HttpClient http, String base, String name) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sources"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"domain\":\"math\",\"origin\":\"synthetic\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        check(r, 201);
        return field(r.body(), "id");
    }

    private static long field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    private static void check(HttpResponse<?> r, int expected) {
        if (r.statusCode() != expected) {
            throw new IllegalStateException(r.uri() + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    private static void printMachine() throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        System.out.printf("machine: %d cores (%s), %.1f GiB RAM, %s %s, Java %s%n", Runtime.getRuntime().availableProcessors(), cpu,
                ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() / 1073741824.0,
                System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"));
        System.out.printf("date: %s%n", java.time.ZonedDateTime.now().withNano(0));
    }
}
