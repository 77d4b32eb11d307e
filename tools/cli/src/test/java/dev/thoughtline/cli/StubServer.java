package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small HTTP server on a free port that plays what a caller may point the suite at: a dataset server (the
 * contract, well-behaved or not) or an OpenAI-compatible teacher, answering with whatever a test says, and recording
 * every request it receives with all its headers. The JDK's server: it streams answers of any size without holding them.
 */
final class StubServer implements AutoCloseable {

    /** A request as it arrived. */
    record Seen(String method, String path, Map<String, List<String>> headers) {
        String header(String name) {
            List<String> v = headers.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    /** Answers one request. */
    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();

    StubServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::dispatch);
        server.start();
    }

    private void dispatch(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
        seen.add(new Seen(ex.getRequestMethod(), path + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()),
                headers));
        try (ex) {
            ex.getRequestBody().readAllBytes();
            Handler h = null;
            int longest = -1;
            for (Map.Entry<String, Handler> e : handlers.entrySet()) {
                if (path.startsWith(e.getKey()) && e.getKey().length() > longest) {
                    h = e.getValue();
                    longest = e.getKey().length();
                }
            }
            if (h == null) {
                send(ex, 404, "application/json", "{\"error\":\"nothing here\"}");
            } else {
                h.handle(ex);
            }
        } catch (IOException hungUp) {
            // the client went away mid-answer: what several tests expect of a reader that stops early
        }
    }

    /** Answers requests whose path starts with {@code prefix} (the longest matching prefix wins). */
    void on(String prefix, Handler handler) {
        handlers.put(prefix, handler);
    }

    /** {@code http://localhost:PORT}: what the services' outbound policy must allow. */
    String origin() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Every request so far whose path starts with {@code prefix}. */
    List<Seen> seen(String prefix) {
        return seen.stream().filter(s -> s.path().startsWith(prefix)).toList();
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
    }

    // ---- the dataset contract ------------------------------------------------------------------------------

    /**
     * Serves a complete dataset at {@code /api/v1/datasets/{id}}: its description, and its items from {@code lines}
     * in pages as asked ({@code after}, {@code limit}) with {@code Link: rel="next"} while more remain. Returns its ref.
     */
    String dataset(String id, String kind, List<String> lines) {
        return dataset(id, kind, lines.size(), ex -> {
            Map<String, String> q = query(ex);
            int after = Integer.parseInt(q.getOrDefault("after", "0"));
            int limit = Integer.parseInt(q.getOrDefault("limit", "1000"));
            int end = Math.min(lines.size(), after + limit);
            StringBuilder body = new StringBuilder();
            for (int i = after; i < end; i++) {
                body.append(lines.get(i)).append('\n');
            }
            if (end < lines.size()) {
                ex.getResponseHeaders().add("Link", "<" + ref(id) + "/items?after=" + end + "&limit=" + limit + ">; rel=\"next\"");
            }
            send(ex, 200, "application/x-ndjson", body.toString());
        });
    }

    /** Serves a complete dataset's description, its items answered by {@code items}. Returns its ref. */
    String dataset(String id, String kind, long itemCount, Handler items) {
        String path = "/api/v1/datasets/" + id;
        on(path, ex -> {
            String p = ex.getRequestURI().getRawPath();
            if (p.equals(path + "/items")) {
                items.handle(ex);
            } else if (p.equals(path)) {
                ObjectNode info = PackagedSuite.JSON.createObjectNode().put("id", id).put("ref", ref(id)).put("name", "stub-" + id)
                        .put("kind", kind).put("status", "complete").put("itemCount", itemCount);
                info.putArray("parents");
                info.putObject("recipe");
                info.put("createdAt", "2026-01-01T00:00:00Z");
                send(ex, 200, "application/json", info.toString());
            } else {
                send(ex, 404, "application/problem+json", "{\"title\":\"Not Found\",\"status\":404}");
            }
        });
        return ref(id);
    }

    String ref(String id) {
        return origin() + "/api/v1/datasets/" + id;
    }

    /** {@code n} arithmetic questions {@code {id, text, answer, domain}}, their texts unique to {@code prefix}. */
    static List<String> questions(String prefix, int n) {
        List<String> lines = new ArrayList<>();
        int salt = Math.abs(prefix.hashCode() % 9000) + 1000;
        for (int i = 1; i <= n; i++) {
            lines.add(PackagedSuite.JSON.createObjectNode().put("id", prefix + "-" + i).put("text", "What is " + i + " * 7 + " + salt + "?")
                    .put("domain", "math").put("answer", Integer.toString(i * 7 + salt)).toString());
        }
        return lines;
    }

    static Map<String, String> query(HttpExchange ex) {
        Map<String, String> q = new TreeMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String p : raw.split("&")) {
                int eq = p.indexOf('=');
                q.put(eq < 0 ? p : p.substring(0, eq), eq < 0 ? "" : java.net.URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    // ---- an OpenAI-compatible teacher ----------------------------------------------------------------------

    /**
     * Serves a teacher at {@code {prefix}/v1}: {@code GET /models} answers model {@code m}, and each
     * {@code POST /chat/completions} is answered by {@code completions} (see {@link #stream}). Returns its base URL.
     */
    String teacher(String prefix, Handler completions) {
        on(prefix + "/v1/models", ex -> send(ex, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"id\":\"m\",\"object\":\"model\"}]}"));
        on(prefix + "/v1/chat/completions", completions);
        return origin() + prefix + "/v1";
    }

    /** Starts an event stream and returns where to write it. */
    static OutputStream stream(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        return ex.getResponseBody();
    }

    /** One {@code data:} event of a completion chunk whose delta has {@code content}. */
    static byte[] contentChunk(String content) {
        ObjectNode c = chunk();
        c.putArray("choices").addObject().put("index", 0).putNull("finish_reason").putObject("delta").put("content", content);
        return ("data: " + c + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The end of a well-formed stream: the finish reason, usage and {@code [DONE]}. */
    static byte[] finish(int completionTokens) {
        ObjectNode c = chunk();
        c.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop").putObject("delta");
        ObjectNode u = chunk();
        u.putArray("choices");
        u.putObject("usage").put("prompt_tokens", 10).put("completion_tokens", completionTokens).put("total_tokens", 10 + completionTokens);
        return ("data: " + c + "\n\ndata: " + u + "\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private static ObjectNode chunk() {
        return PackagedSuite.JSON.createObjectNode().put("id", "chatcmpl-stub").put("object", "chat.completion.chunk")
                .put("created", 0).put("model", "m");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
