package dev.thoughtline.eval.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.ObjIntConsumer;

/**
 * Reads rows of the Hugging Face datasets server ({@code GET /rows}), 100 per request. A page that fails with a
 * connection error, 429 or 5xx is tried again (5 tries, exponential backoff with jitter); any other answer fails at
 * once with the server's message (an unknown dataset, a gated one without a token). Blocking.
 */
final class HuggingFaceRows {

    static final class RowsException extends RuntimeException {
        RowsException(String message) {
            super(message);
        }
    }

    private static final int PAGE = 100;
    private static final int ATTEMPTS = 5;

    private final String base;
    private final String token;
    private final HttpClient http;
    private final ObjectMapper mapper;

    HuggingFaceRows(String base, String token, HttpClient http, ObjectMapper mapper) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.token = token == null || token.isBlank() ? null : token;
        this.http = http;
        this.mapper = mapper;
    }

    /** Hands each row to {@code sink} with its 1-based number within the import. */
    void read(String dataset, String config, String split, long offset, int limit, ObjIntConsumer<JsonNode> sink) {
        int seen = 0;
        while (seen < limit) {
            int length = Math.min(PAGE, limit - seen);
            JsonNode page = page(dataset, config, split, offset + seen, length);
            JsonNode rows = page.path("rows");
            if (!rows.isArray()) {
                throw new RowsException("the datasets server sent a page without rows");
            }
            for (JsonNode r : rows) {
                sink.accept(r.path("row"), ++seen);
            }
            long total = page.path("num_rows_total").asLong(Long.MAX_VALUE);
            if (rows.size() < length || offset + seen >= total) {
                return;
            }
        }
    }

    private JsonNode page(String dataset, String config, String split, long offset, int length) {
        URI uri = URI.create(base + "/rows?dataset=" + enc(dataset) + "&config=" + enc(config) + "&split=" + enc(split)
                + "&offset=" + offset + "&length=" + length);
        String last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (attempt > 1) {
                sleep(Math.min(8_000, 250L << (attempt - 2)) + ThreadLocalRandom.current().nextLong(250));
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Accept", "application/json").GET();
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                last = "cannot reach the datasets server at " + base + ": " + e;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RowsException("interrupted");
            }
            if (r.statusCode() == 429 || r.statusCode() >= 500) {
                last = "the datasets server answered " + r.statusCode();
                continue;
            }
            if (r.statusCode() != 200) {
                String body = r.body() == null ? "" : r.body();
                throw new RowsException("the datasets server refused " + dataset + "/" + config + "/" + split + " (" + r.statusCode() + "): "
                        + (body.length() > 300 ? body.substring(0, 300) + "..." : body));
            }
            try {
                return mapper.readTree(r.body());
            } catch (IOException e) {
                throw new RowsException("the datasets server sent something that is not JSON");
            }
        }
        throw new RowsException(last + " (" + ATTEMPTS + " tries)");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RowsException("interrupted");
        }
    }
}
