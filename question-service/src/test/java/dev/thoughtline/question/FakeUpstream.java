package dev.thoughtline.question;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The outside world question-service reads from, as a real HTTP server on a random port: the Hugging Face
 * datasets server's rows API ({@code /rows}, in its JSON shape) and a dataset served through the contract
 * ({@code /contract/{name}}). Tests register data and failures through the static methods.
 */
public class FakeUpstream implements QuarkusTestResourceLifecycleManager {

    private static HttpServer server;
    private static final Map<String, List<String>> ROWS = new ConcurrentHashMap<>();
    private static final Map<String, List<String>> ITEMS = new ConcurrentHashMap<>();
    /** Requests to fail, by "path?offset" or "path?after", with how many times left. */
    private static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();
    private static final AtomicInteger REQUESTS = new AtomicInteger();

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/rows", FakeUpstream::rows);
        server.createContext("/contract/", FakeUpstream::contract);
        server.start();
        return Map.of("quarkus.rest-client.huggingface.url", url());
    }

    @Override
    public void stop() {
        server.stop(0);
    }

    public static String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves {@code rows} (JSON objects) as split {@code dataset/config/split}. */
    public static void rows(String dataset, String config, String split, List<String> rows) {
        ROWS.put(dataset + "/" + config + "/" + split, rows);
    }

    /** Serves {@code items} (JSON objects) as the dataset {@code url()/contract/name}. */
    public static void items(String name, List<String> items) {
        ITEMS.put(name, items);
    }

    /** The next {@code times} requests for {@code key} ("rows@offset" or "name@after") answer {@code 500}. */
    public static void fail(String key, int times) {
        FAILURES.put(key, new AtomicInteger(times));
    }

    public static int requests() {
        return REQUESTS.get();
    }

    private static boolean failing(String key) {
        AtomicInteger left = FAILURES.get(key);
        return left != null && left.getAndDecrement() > 0;
    }

    private static void rows(HttpExchange ex) throws IOException {
        REQUESTS.incrementAndGet();
        Map<String, String> q = query(ex);
        String key = q.get("dataset") + "/" + q.get("config") + "/" + q.get("split");
        List<String> rows = ROWS.get(key);
        if (rows == null) {
            send(ex, 404, "{\"error\":\"The dataset does not exist, or is not accessible without authentication.\"}", Map.of());
            return;
        }
        int offset = Integer.parseInt(q.getOrDefault("offset", "0"));
        int length = Integer.parseInt(q.getOrDefault("length", "100"));
        if (length > 100) {
            send(ex, 422, "{\"error\":\"Parameter 'length' must not be greater than 100\"}", Map.of());
            return;
        }
        if (failing(q.get("dataset") + "@" + offset)) {
            send(ex, 500, "{\"error\":\"Unexpected error.\"}", Map.of());
            return;
        }
        StringBuilder sb = new StringBuilder("{\"features\":[],\"rows\":[");
        for (int i = offset; i < Math.min(rows.size(), offset + length); i++) {
            sb.append(i == offset ? "" : ",").append("{\"row_idx\":").append(i).append(",\"row\":").append(rows.get(i))
                    .append(",\"truncated_cells\":[]}");
        }
        sb.append("],\"num_rows_total\":").append(rows.size()).append(",\"num_rows_per_page\":100,\"partial\":false}");
        send(ex, 200, sb.toString(), Map.of("Content-Type", "application/json"));
    }

    private static void contract(HttpExchange ex) throws IOException {
        REQUESTS.incrementAndGet();
        String[] parts = ex.getRequestURI().getPath().split("/");
        String name = parts[2];
        List<String> items = ITEMS.get(name);
        if (items == null) {
            send(ex, 404, "{\"title\":\"Not found\",\"status\":404}", Map.of("Content-Type", "application/problem+json"));
            return;
        }
        if (parts.length < 4) {
            send(ex, 200, "{\"id\":\"" + name + "\",\"kind\":\"trace\",\"status\":\"complete\",\"itemCount\":" + items.size()
                    + ",\"parents\":[],\"recipe\":{},\"createdAt\":\"2026-01-01T00:00:00Z\"}", Map.of());
            return;
        }
        Map<String, String> q = query(ex);
        int after = Integer.parseInt(q.getOrDefault("after", "0"));
        int limit = Integer.parseInt(q.getOrDefault("limit", "1000"));
        if (failing(name + "@" + after)) {
            send(ex, 503, "{\"title\":\"Service Unavailable\"}", Map.of());
            return;
        }
        StringBuilder sb = new StringBuilder();
        int last = Math.min(items.size(), after + limit);
        for (int i = after; i < last; i++) {
            sb.append(items.get(i)).append('\n');
        }
        Map<String, String> headers = new HashMap<>(Map.of("Content-Type", "application/x-ndjson"));
        if (last < items.size()) {
            headers.put("Link", "<" + url() + "/contract/" + name + "/items?after=" + last + "&limit=" + limit + ">; rel=\"next\"");
        }
        send(ex, 200, sb.toString(), headers);
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> m = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                String[] p = kv.split("=", 2);
                m.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8), p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
            }
        }
        return m;
    }

    private static void send(HttpExchange ex, int status, String body, Map<String, String> headers) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
        ex.close();
    }
}
