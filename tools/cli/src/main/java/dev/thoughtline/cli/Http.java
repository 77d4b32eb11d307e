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

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper mapper;
    private final String token;

    public Http(ObjectMapper mapper, String token) {
        this.mapper = mapper;
        this.token = token;
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
            HttpResponse<InputStream> r = raw(request(next).header("Accept", "application/x-ndjson").GET().build(), next);
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                if (r.statusCode() != 200) {
                    throw new CliException("GET " + next + " answered " + r.statusCode() + ": " + detail(reader.lines().reduce("", String::concat)));
                }
                String line;
                while ((line = reader.readLine()) != null) {
                    if (!line.isBlank()) {
                        sink.accept(mapper.readTree(line));
                    }
                }
            } catch (IOException e) {
                throw new CliException("reading " + next + ": " + e.getMessage());
            }
            URI current = URI.create(next);
            next = r.headers().firstValue("Link").map(l -> LinkHeader.findNext(l, current)).map(URI::toString).orElse(null);
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
        HttpResponse<String> r;
        try {
            r = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new CliException(request.method() + " " + url + ": cannot reach the service (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
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

    private HttpResponse<InputStream> raw(HttpRequest request, String url) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new CliException("GET " + url + ": cannot reach the service (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
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
