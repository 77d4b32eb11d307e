import dev.thoughtline.testing.LocalPostgres;
import dev.thoughtline.testing.QuarkusProcess;
import dev.thoughtline.testing.RoundRobinProxy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A sharded filter run at scale (see bench/filter-shards.sh): ITEMS generated questions of about 60 words, served
 * page by page by a contract server that makes each page when asked (the bench holds none of them). One in ten is a
 * near copy of an earlier question (one word changed), one in a thousand an exact copy (other case and punctuation),
 * and one in every PLANT_EVERY a benchmark problem word for word: the 630 problems of ../shared/data/benchmarks
 * when that folder is there (CI's), else 300 generated ones. Steps: exact-dedup, near-dedup (defaults: threshold 90),
 * decontaminate against that benchmark, length keeping the longest 90%: the run is worked in three passes over its
 * shards. Per replica count: filter-service replicas with a heap of 1 GB on one fresh database behind one address;
 * the run's seconds and items per second (storing the input, then the rest), each replica's peaks of heap used and of
 * live data after a GC (its metrics polled every 200 ms), PostgreSQL's disk per million items at its peak (polled
 * every 2 s) and at the end, and recall and precision of the planted near copies and benchmark problems.
 */
public class ShardBench {

    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Path FILTER = Path.of("filter-service", "target", "quarkus-app", "quarkus-run.jar");
    static final String[] WORDS = ("number integer prime sum product triangle circle square area angle degree ratio fraction "
            + "probability dice coin card digit remainder divisor multiple factor root equation polynomial sequence series "
            + "function graph point line segment radius chord tangent perimeter volume cube sphere cylinder cone median mean "
            + "mode range average speed distance time rate work money interest percent price cost profit tickets students "
            + "teacher apples oranges boxes marbles red blue green ways order arrange choose select distinct positive").split(" ");
    static final int PLANT_EVERY = 25_000;
    static final List<String> BENCHMARK = benchmark();

    /** The shared benchmarks' problems, or 300 generated ones without ../shared/data. */
    static List<String> benchmark() {
        Path dir = Path.of("..", "shared", "data", "benchmarks");
        List<String> out = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            try (var files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                    for (String line : Files.readAllLines(f)) {
                        if (!line.isBlank()) {
                            out.add(json.readTree(line).path("problem").asText());
                        }
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        if (out.isEmpty()) {
            for (int b = 0; b < 300; b++) {
                out.add("Benchmark problem " + b + ": " + words(b * 0xC2B2AE3D27D4EB4FL + 7, 40));
            }
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        long items = Long.parseLong(args[0]);
        Path work = Path.of(args[1]);
        List<Integer> replicaCounts = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            replicaCounts.add(Integer.parseInt(args[i]));
        }
        com.sun.net.httpserver.HttpServer server = serve(items);
        String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/datasets/";
        LocalPostgres pg = LocalPostgres.start();
        System.out.printf(Locale.ROOT, "%,d questions (10%% near copies, 0.1%% exact copies, one benchmark problem every %,d from %d); "
                + "steps exact-dedup, near-dedup, decontaminate, length keeping the longest 90%%; shards of the default size; heap 1 GB a replica%n",
                items, PLANT_EVERY, BENCHMARK.size());
        try {
            for (int replicas : replicaCounts) {
                run(pg, base, items, replicas, work);
            }
        } finally {
            server.stop(0);
            pg.close();
        }
        System.out.printf("%s; %d cores, %s; %s %s%n", LocalDate.now(), Runtime.getRuntime().availableProcessors(), cpu(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
    }

    static void run(LocalPostgres pg, String base, long items, int replicas, Path work) throws Exception {
        String db = "shards" + replicas;
        pg.createDatabase(db);
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            ports.add(QuarkusProcess.freePort());
        }
        RoundRobinProxy proxy = new RoundRobinProxy(ports);
        List<Process> processes = new ArrayList<>();
        try {
            for (int i = 0; i < replicas; i++) {
                Map<String, String> env = new HashMap<>();
                env.put("QUARKUS_DATASOURCE_REACTIVE_URL", pg.reactiveUrl(db));
                env.put("THOUGHTLINE_PUBLIC_URL", proxy.url());
                env.put("THOUGHTLINE_OUTBOUND_PRIVATE", "allow");
                env.put("THOUGHTLINE_LEASES_OWNER", "replica-" + i);
                Process p = QuarkusProcess.start(FILTER, ports.get(i), pg, env, work.resolve(db + "-" + i + ".log"), "1g");
                processes.add(p);
                QuarkusProcess.awaitReady("http://localhost:" + ports.get(i), p, Duration.ofSeconds(120));
            }
            long[] peak = new long[replicas];
            long[] live = new long[replicas];
            Thread poller = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    for (int i = 0; i < replicas; i++) {
                        String metrics = metrics("http://localhost:" + ports.get(i));
                        peak[i] = Math.max(peak[i], sum(metrics, "jvm_memory_used_bytes{", "area=\"heap\""));
                        live[i] = Math.max(live[i], sum(metrics, "jvm_gc_live_data_size_bytes", ""));
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            poller.setDaemon(true);
            poller.start();
            long t0 = System.nanoTime();
            long wallStart = System.currentTimeMillis();
            String body = post(proxy.url() + "/api/v1/filter-runs", "{\"name\":\"bench\",\"input\":\"" + base + "1\",\"steps\":["
                    + "{\"type\":\"exact-dedup\"},{\"type\":\"near-dedup\"},"
                    + "{\"type\":\"decontaminate\",\"params\":{\"benchmarks\":[\"" + base + "2\"]}},"
                    + "{\"type\":\"length\",\"keep\":{\"topFraction\":0.9}}]}");
            long id = Long.parseLong(body.replaceAll("(?s).*\"id\":(\\d+).*", "$1"));
            if (!body.matches("(?s).*\"shardSize\":\\d+.*")) {
                throw new IllegalStateException("the run is not sharded: " + body);
            }
            String view;
            long diskPeak = 0;
            String jdbc = "jdbc:postgresql://localhost:" + pg.port() + "/" + db;
            try (Connection c = DriverManager.getConnection(jdbc, LocalPostgres.USER, LocalPostgres.PASSWORD); Statement st = c.createStatement()) {
                long lastProgress = 0;
                while (!(view = get(proxy.url() + "/api/v1/filter-runs/" + id)).contains("\"status\":\"complete\"")) {
                    if (view.contains("\"status\":\"failed\"")) {
                        throw new IllegalStateException("the run failed: " + view);
                    }
                    diskPeak = Math.max(diskPeak, one(st, "SELECT pg_database_size(current_database())"));
                    if (System.nanoTime() - lastProgress > 60_000_000_000L && view.contains("\"progress\"")) {
                        lastProgress = System.nanoTime();
                        System.out.printf(Locale.ROOT, "  after %.0f s: %s%n", (System.nanoTime() - t0) / 1e9,
                                view.replaceAll("(?s).*(\"progress\":\\{[^}]*\\}).*", "$1"));
                    }
                    Thread.sleep(2000);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            poller.interrupt();
            double stored = storedAfter(work, db, replicas, wallStart);
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + pg.port() + "/" + db, LocalPostgres.USER,
                    LocalPostgres.PASSWORD); Statement st = c.createStatement()) {
                long bytes = one(st, "SELECT pg_database_size(current_database())");
                Set<String> near = ids(st, "SELECT item_id FROM verdict WHERE run_id = " + id + " AND dropped_by = 'near-dedup'");
                Set<String> decontaminated = ids(st, "SELECT item_id FROM verdict WHERE run_id = " + id + " AND dropped_by = 'decontaminate'");
                long nearPlanted = 0;
                long nearHits = 0;
                long benchPlanted = 0;
                long benchHits = 0;
                for (long i = 1; i <= items; i++) {
                    if (i % PLANT_EVERY == 0) {
                        benchPlanted++;
                        benchHits += decontaminated.contains("q" + i) ? 1 : 0;
                    } else if (nearCopyOf(i) > 0) {
                        nearPlanted++;
                        nearHits += near.contains("q" + i) ? 1 : 0;
                    }
                }
                long kept = one(st, "SELECT count(*) FROM verdict WHERE run_id = " + id + " AND kept");
                StringBuilder heaps = new StringBuilder();
                for (int i = 0; i < replicas; i++) {
                    heaps.append(heaps.length() == 0 ? "" : ", ").append(peak[i] / (1 << 20)).append(" MB used (")
                            .append(live[i] / (1 << 20)).append(" MB live after a GC)");
                }
                System.out.printf(Locale.ROOT, "%d replica(s): %.1f s, %,.0f items/s (input stored after %.1f s, the rest %.1f s), %,d kept; "
                                + "heap peak %s; database %.0f MB per million items at its peak, %.0f at the end; "
                                + "near copies recall %.3f (%d of %d), precision %.3f; benchmark problems recall %.3f (%d of %d), precision %.3f%n",
                        replicas, seconds, items / seconds, stored, seconds - stored, kept, heaps, diskPeak / 1e6 / (items / 1e6),
                        bytes / 1e6 / (items / 1e6), nearPlanted == 0 ? 1.0 : (double) nearHits / nearPlanted, nearHits, nearPlanted,
                        near.isEmpty() ? 1.0 : (double) nearHits / near.size(),
                        benchPlanted == 0 ? 1.0 : (double) benchHits / benchPlanted, benchHits, benchPlanted,
                        decontaminated.isEmpty() ? 1.0 : (double) benchHits / decontaminated.size());
            }
        } finally {
            processes.forEach(Process::destroyForcibly);
            proxy.close();
        }
    }

    /** Seconds from {@code wallStart} until a replica logged that the input was stored. */
    static double storedAfter(Path work, String db, int replicas, long wallStart) throws Exception {
        for (int i = 0; i < replicas; i++) {
            for (String line : Files.readAllLines(work.resolve(db + "-" + i + ".log"))) {
                if (line.contains("items stored,")) {
                    // the log's own clock: "2026-12-04 01:20:05,630 INFO ..."
                    java.time.LocalDateTime at = java.time.LocalDateTime.parse(line.substring(0, 23).replace(' ', 'T').replace(',', '.'));
                    long atMs = at.atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();
                    return (atMs - wallStart) / 1000.0;
                }
            }
        }
        return Double.NaN;
    }

    /**
     * The question at position {@code i}: a benchmark problem every PLANT_EVERY; else, when {@link #nearCopyOf} names an
     * earlier question, that one with one word changed; one in a thousand an exact copy of the one six before in other
     * case and punctuation; else about 60 words made from its number.
     */
    static String question(long i) {
        String text;
        if (i % PLANT_EVERY == 0) {
            text = BENCHMARK.get((int) ((i / PLANT_EVERY) % BENCHMARK.size()));
        } else if (nearCopyOf(i) > 0) {
            String[] w = original(nearCopyOf(i)).split(" ");
            w[(int) Math.floorMod(i * 0x9E3779B97F4A7C15L, (long) w.length)] = "changed";
            text = String.join(" ", w);
        } else if (i % 1000 == 7) {
            text = original(i - 6).toUpperCase(Locale.ROOT) + "!!";
        } else {
            text = original(i);
        }
        com.fasterxml.jackson.databind.node.ObjectNode q = JSON.createObjectNode().put("id", "q" + i).put("text", text).put("domain", "math");
        return q.toString();
    }

    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The earlier question (one ending in 1, never a copy) that question {@code i} is a near copy of, or 0: one in ten. */
    static long nearCopyOf(long i) {
        if (i % 10 != 5 || i % PLANT_EVERY == 0) {
            return 0;
        }
        long back = Math.floorMod(i * 0xC2B2AE3D27D4EB4FL, 100L);
        return i - 4 - 10 * Math.min(back, (i - 5) / 10);
    }

    static String original(long i) {
        return words(i * 0x9E3779B97F4A7C15L, 50 + (int) (i % 21));
    }

    static Set<String> ids(Statement st, String sql) throws Exception {
        Set<String> out = new HashSet<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static String words(long seed, int n) {
        StringBuilder sb = new StringBuilder();
        long h = seed;
        for (int w = 0; w < n; w++) {
            h ^= h >>> 33;
            h *= 0xff51afd7ed558ccdL;
            h ^= h >>> 33;
            sb.append(w == 0 ? "" : " ").append(WORDS[(int) Math.floorMod(h, (long) WORDS.length)]);
            h += w + 1;
        }
        return sb.toString();
    }

    /** Dataset 1: the questions, made page by page; dataset 2: the benchmark. */
    static com.sun.net.httpserver.HttpServer serve(long items) throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.createContext("/api/v1/datasets/", ex -> {
            String path = ex.getRequestURI().getPath();
            String dataset = path.substring("/api/v1/datasets/".length()).split("/")[0];
            long count = dataset.equals("1") ? items : BENCHMARK.size();
            byte[] b;
            if (path.endsWith("/items")) {
                Map<String, String> q = new HashMap<>();
                String raw = ex.getRequestURI().getRawQuery();
                for (String kv : raw == null ? new String[0] : raw.split("&")) {
                    int eq = kv.indexOf('=');
                    q.put(kv.substring(0, Math.max(0, eq)), kv.substring(eq + 1));
                }
                long after = Long.parseLong(q.getOrDefault("after", "0"));
                int limit = Integer.parseInt(q.getOrDefault("limit", "1000"));
                long end = Math.min(count, after + limit);
                StringBuilder page = new StringBuilder();
                for (long i = after + 1; i <= end; i++) {
                    page.append(dataset.equals("1") ? question(i)
                            : JSON.createObjectNode().put("id", "b" + i).put("text", BENCHMARK.get((int) (i - 1))).put("answer", "1").toString()).append('\n');
                }
                if (end < count) {
                    ex.getResponseHeaders().add("Link", "<http://127.0.0.1:" + server.getAddress().getPort() + path + "?after=" + end
                            + "&limit=" + limit + ">; rel=\"next\"");
                }
                ex.getResponseHeaders().add("Content-Type", "application/x-ndjson");
                b = page.toString().getBytes(StandardCharsets.UTF_8);
            } else {
                ex.getResponseHeaders().add("Content-Type", "application/json");
                b = ("{\"id\":\"" + dataset + "\",\"ref\":\"http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/datasets/" + dataset
                        + "\",\"name\":\"bench-" + dataset + "\",\"kind\":\"" + (dataset.equals("1") ? "question" : "benchmark")
                        + "\",\"status\":\"complete\",\"itemCount\":" + count + ",\"parents\":[],\"recipe\":{},\"createdAt\":\"2026-12-01T00:00:00Z\"}")
                        .getBytes(StandardCharsets.UTF_8);
            }
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        return server;
    }

    static String metrics(String base) {
        try {
            return get(base + "/q/metrics");
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** The sum of the metric lines that start with {@code prefix} and contain {@code label}. */
    static long sum(String metrics, String prefix, String label) {
        long sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith(prefix) && line.contains(label)) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    static long one(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String post(String url, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    static String get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(url + ": " + e, e);
        }
    }

    static String cpu() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        } catch (Exception e) {
            return "?";
        }
    }
}
