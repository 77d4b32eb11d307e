package dev.thoughtline.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A small server of the dataset contract on a free port, for the datasets a service under test reads (what
 * question-service or generation-service serves in production): complete datasets from lists of items, of any
 * kind, and datasets that break in the ways a user's input can (missing, malformed lines).
 */
public final class ContractServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.concurrent.atomic.AtomicLong QUESTION_SETS = new java.util.concurrent.atomic.AtomicLong();

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final Map<Long, List<String>> datasets = new ConcurrentHashMap<>();
    private final Map<Long, String> status = new ConcurrentHashMap<>();
    private final Map<Long, String> kinds = new ConcurrentHashMap<>();
    private final java.util.Set<String> authorizations = ConcurrentHashMap.newKeySet();
    private long next = 1;

    public ContractServer() {
        server = vertx.createHttpServer().requestHandler(req -> {
            String auth = req.getHeader("Authorization");
            authorizations.add(auth == null ? "none" : auth);
            String[] parts = req.path().split("/");
            // /api/v1/datasets/{id}[/items]
            long id;
            try {
                id = Long.parseLong(parts[4]);
            } catch (RuntimeException e) {
                req.response().setStatusCode(404).end();
                return;
            }
            List<String> lines = datasets.get(id);
            if (lines == null) {
                req.response().setStatusCode(404).putHeader("Content-Type", "application/problem+json")
                        .end("{\"title\":\"Not Found\",\"status\":404,\"detail\":\"dataset " + id + " does not exist\"}");
                return;
            }
            if (parts.length == 5) {
                ObjectNode info = JSON.createObjectNode().put("id", Long.toString(id)).put("ref", url(id)).put("name", "d" + id)
                        .put("kind", kinds.get(id)).put("status", status.get(id)).put("itemCount", lines.size());
                info.putArray("parents");
                info.putObject("recipe");
                info.put("createdAt", "2026-11-26T00:00:00Z");
                req.response().putHeader("Content-Type", "application/json").end(info.toString());
                return;
            }
            int after = req.getParam("after") == null ? 0 : Integer.parseInt(req.getParam("after"));
            int limit = req.getParam("limit") == null ? 1000 : Integer.parseInt(req.getParam("limit"));
            int end = Math.min(lines.size(), after + limit);
            StringBuilder body = new StringBuilder();
            for (int i = after; i < end; i++) {
                body.append(lines.get(i)).append('\n');
            }
            if (end < lines.size()) {
                req.response().putHeader("Link", "<" + url(id) + "/items?after=" + end + "&limit=" + limit + ">; rel=\"next\"");
            }
            req.response().putHeader("Content-Type", "application/x-ndjson").end(body.toString());
        });
        try {
            server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the contract server", e);
        }
    }

    /**
     * A complete question dataset of {@code n} arithmetic questions, none asked by another dataset made in
     * this JVM (so no test is answered from another's cache); returns its DatasetRef.
     */
    public synchronized String questions(String prefix, int n) {
        List<String> lines = new ArrayList<>();
        long shift = QUESTION_SETS.incrementAndGet() * 100_000;
        for (int i = 1; i <= n; i++) {
            ObjectNode q = JSON.createObjectNode().put("id", prefix + "-" + i)
                    .put("text", "What is " + i + " * 7 + " + (shift + i % 13) + "?").put("domain", "math").put("source", prefix)
                    .put("answer", Long.toString(i * 7L + shift + i % 13));
            q.putObject("metadata").put("n", i);
            lines.add(q.toString());
        }
        return add(lines, "complete");
    }

    /** A question dataset of the given raw lines (malformed ones included) and status. */
    public String add(List<String> lines, String datasetStatus) {
        return add(lines, datasetStatus, "question");
    }

    /** A dataset of the given raw lines, status and kind ({@code question}, {@code trace}, {@code benchmark}). */
    public synchronized String add(List<String> lines, String datasetStatus, String kind) {
        long id = next++;
        datasets.put(id, List.copyOf(lines));
        status.put(id, datasetStatus);
        kinds.put(id, kind);
        return url(id);
    }

    /** The distinct {@code Authorization} header values requests carried ("none" for none). */
    public java.util.Set<String> authorizations() {
        return java.util.Set.copyOf(authorizations);
    }

    /** Its origin, {@code http://localhost:PORT}: what a service's outbound policy must allow to read from it. */
    public String origin() {
        return "http://localhost:" + server.actualPort();
    }

    /** A DatasetRef that answers 404. */
    public String missing() {
        return url(999_999);
    }

    private String url(long id) {
        return "http://localhost:" + server.actualPort() + "/api/v1/datasets/" + id;
    }

    @Override
    public void close() {
        vertx.close();
    }
}
