package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.contracts.LinkHeader;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The services' REST APIs as the CLI calls them: JSON in and out, NDJSON uploads, dataset items followed page by
 * page. A refusal becomes a {@link CliException} carrying the service's problem detail; the token, when there is one,
 * is sent as a bearer token.
 */
public final class Http {

    /** A status and a JSON body. */
    public record Reply(int status, JsonNode body) {
    }

    private static final long FIRST_BACKOFF_MS = 200;
    private static final long MAX_BACKOFF_MS = 5_000;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper mapper;
    private final String token;
    private final Duration retryFor;

    /** {@code retryFor}: how long a request is tried again while its service cannot answer. */
    public Http(ObjectMapper mapper, String token, Duration retryFor) {
        this.mapper = mapper;
        this.token = token;
        this.retryFor = retryFor;
    }

    public JsonNode get(String url) {
        return send(request(url).GET(), url).body();
    }

    public Reply post(String url, JsonNode body) {
        return send(request(url).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), url);
    }

    public Reply postNdjson(String url, Path file) {
        try {
            return send(request(url).header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofFile(file)), url);
        } catch (java.io.FileNotFoundException e) {
            throw new CliException("no such file: " + file);
        }
    }

    /** Every item of a dataset, in order, following {@code Link: rel="next"}. */
    public void items(String ref, Consumer<JsonNode> sink) {
        String next = ref + "/items?limit=1000";
        while (next != null) {
            next = page(next, sink);
        }
    }

    /** One page handed to {@code sink}; the next page's URL, or null. Read again from its start when it breaks. */
    private String page(String url, Consumer<JsonNode> sink) {
        HttpRequest request = request(url).header("Accept", "application/x-ndjson").GET().build();
        Retry retry = new Retry(request, url);
        long delivered = 0;
        while (true) {
            HttpResponse<InputStream> r = reached(request, HttpResponse.BodyHandlers.ofInputStream(), retry);
            long seen = 0;
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                if (RETRIED.contains(r.statusCode())) {
                    retry.after(r.statusCode() + ": " + detail(reader.lines().collect(java.util.stream.Collectors.joining())));
                    continue;
                }
                if (r.statusCode() != 200) {
                    throw new CliException("GET " + url + " answered " + r.statusCode() + ": " + detail(reader.lines().collect(java.util.stream.Collectors.joining())));
                }
                String line;
                while ((line = reader.readLine()) != null) {
                    // a page read again after a break: the items handed on already are skipped
                    if (!line.isBlank() && ++seen > delivered) {
                        sink.accept(mapper.readTree(line));
                        delivered = seen;
                    }
                }
            } catch (IOException e) {
                retry.after(e);
                continue;
            }
            URI current = URI.create(url);
            return r.headers().firstValue("Link").map(l -> LinkHeader.findNext(l, current)).map(URI::toString).orElse(null);
        }
    }

    private HttpRequest.Builder request(String url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).header("Accept", "application/json");
        if (token != null && !token.isBlank()) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private Reply send(HttpRequest.Builder b, String url) {
        HttpRequest request = b.build();
        Retry retry = new Retry(request, url);
        HttpResponse<String> r = reached(request, HttpResponse.BodyHandlers.ofString(), retry);
        while (RETRIED.contains(r.statusCode())) {
            retry.after(r.statusCode() + ": " + detail(r.body()));
            r = reached(request, HttpResponse.BodyHandlers.ofString(), retry);
        }
        if (r.statusCode() / 100 != 2) {
            throw new CliException(request.method() + " " + url + " answered " + r.statusCode() + ": " + detail(r.body()));
        }
        try {
            return new Reply(r.statusCode(), r.body() == null || r.body().isBlank() ? mapper.createObjectNode() : mapper.readTree(r.body()));
        } catch (IOException e) {
            throw new CliException(request.method() + " " + url + " answered something that is not JSON");
        }
    }

    /** The response to {@code request}, sent again while its connection cannot be made or breaks. */
    private <T> HttpResponse<T> reached(HttpRequest request, HttpResponse.BodyHandler<T> body, Retry retry) {
        while (true) {
            try {
                return client.send(request, body);
            } catch (IOException e) {
                retry.after(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted");
            }
        }
    }

    /** What a proxy, or a replica going away, answers: the same request may succeed on another replica. */
    private static final Set<Integer> RETRIED = Set.of(502, 503, 504);

    /** The attempts at one request: a wait before the next, or, once {@code retryFor} is over, what the last one got. */
    private final class Retry {
        private final HttpRequest request;
        private final String url;
        private final long deadline = System.nanoTime() + retryFor.toNanos();
        private long backoff = FIRST_BACKOFF_MS;

        Retry(HttpRequest request, String url) {
            this.request = request;
            this.url = url;
        }

        void after(IOException e) {
            after("cannot reach the service (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }

        void after(String what) {
            if (System.nanoTime() + backoff * 1_000_000 > deadline) {
                throw new CliException(request.method() + " " + url + ": " + what
                        + (retryFor.isZero() ? "" : " (still, after " + retryFor.toSeconds() + " s of retries)"));
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted");
            }
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }

    /** A problem document's detail (and its first line errors), or the body as it is. */
    private String detail(String body) {
        try {
            JsonNode p = mapper.readTree(body);
            StringBuilder sb = new StringBuilder(p.path("detail").asText(p.path("title").asText(body)));
            for (JsonNode e : p.path("errors")) {
                sb.append("\n  line ").append(e.path("line").asText()).append(": ").append(e.path("reason").asText());
            }
            return sb.toString();
        } catch (IOException | RuntimeException e) {
            return body == null ? "" : body.length() > 500 ? body.substring(0, 500) + "..." : body;
        }
    }
}
