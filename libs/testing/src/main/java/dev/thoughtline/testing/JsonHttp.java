package dev.thoughtline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The calls tests make to services run as processes (replicas that may be killed mid-call): JSON in and out, a poll
 * until a state holds, and every item of a contract page chain.
 */
public final class JsonHttp {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private JsonHttp() {
    }

    public static HttpResponse<String> post(String url, String contentType, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The JSON a GET answers; anything but 200 fails the test. */
    public static JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    public static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    /**
     * GETs {@code url} until {@code done} holds of its answer; a call a replica dropped (killed mid-request) is tried
     * again. Fails after {@code max}.
     */
    public static JsonNode await(String url, Duration max, Predicate<JsonNode> done) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (true) {
            JsonNode n;
            try {
                n = get(url);
            } catch (IOException replicaGoneMidRequest) {
                n = null;
            }
            if (n != null && done.test(n)) {
                return n;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError(url + " did not get there in " + max + ": " + n);
            }
            Thread.sleep(200);
        }
    }

    /** Every item of the pages from {@code first} on, following {@code Link: rel="next"}. */
    public static List<JsonNode> items(String first) throws IOException, InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        String next = first;
        while (next != null) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(next)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError(next + " answered " + r.statusCode() + ": " + r.body());
            }
            for (String line : r.body().split("\n")) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
            String link = r.headers().firstValue("Link").orElse(null);
            next = link == null ? null : URI.create(next).resolve(link.substring(link.indexOf('<') + 1, link.indexOf('>'))).toString();
        }
        return out;
    }
}
