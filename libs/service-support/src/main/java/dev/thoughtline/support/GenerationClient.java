package dev.thoughtline.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * generation-service's job API as the other services use it (filter-service's LLM steps, eval-service's runs):
 * submit a job (the same name and request again answer the existing job, so a resumed run does not pay twice),
 * read its state, cancel it, look a teacher up. Blocking: call it from a worker thread.
 */
public final class GenerationClient {

    /** What a step needs of a job. */
    public record Job(long id, String status, String error, String dataset, long total, long done, long failed,
                      double cost, String teacherCircuit) {
        public boolean finished() {
            return !status.equals("running") && !status.equals("paused") && !status.equals("loading") && !status.equals("pending");
        }
    }

    /** generation-service refused a request or could not be reached. */
    public static final class GenerationException extends RuntimeException {
        public GenerationException(String message) {
            super(message);
        }
    }

    private final String base;
    private final HttpClient http;
    private final ObjectMapper mapper;

    public GenerationClient(String baseUrl, HttpClient http, ObjectMapper mapper) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.http = http;
        this.mapper = mapper;
    }

    public Job submit(String name, String input, String teacher, String promptTemplate, int samplesPerItem, ObjectNode params) {
        ObjectNode body = mapper.createObjectNode().put("name", name).put("input", input).put("teacher", teacher)
                .put("promptTemplate", promptTemplate).put("samplesPerItem", samplesPerItem);
        if (params != null && !params.isEmpty()) {
            body.set("params", params);
        }
        return job(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/jobs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), "submitting job " + name));
    }

    public Job job(long id) {
        return job(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/jobs/" + id)).GET(), "reading job " + id));
    }

    public Job cancel(long id) {
        return job(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/jobs/" + id + "/cancel"))
                .POST(HttpRequest.BodyPublishers.noBody()), "cancelling job " + id));
    }

    /** The teacher of that name as generation-service shows it ({@code baseUrl}, {@code model}, {@code pricing}, ...), or null. */
    public JsonNode teacher(String name) {
        for (JsonNode t : send(HttpRequest.newBuilder(URI.create(base + "/api/v1/teachers")).GET(), "listing teachers")) {
            if (name.equals(t.path("name").asText())) {
                return t;
            }
        }
        return null;
    }

    private JsonNode send(HttpRequest.Builder request, String what) {
        HttpResponse<String> r;
        BearerTokens.outgoing().forEach(request::header);
        try {
            r = http.send(request.timeout(Duration.ofSeconds(60)).header("Accept", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new GenerationException(what + ": generation-service at " + base + " cannot be reached: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GenerationException(what + ": interrupted");
        }
        if (r.statusCode() / 100 != 2) {
            String detail = r.body();
            try {
                JsonNode problem = mapper.readTree(r.body());
                detail = problem.path("detail").asText(r.body());
            } catch (IOException ignored) {
                // not a problem document: the body as it is
            }
            throw new GenerationException(what + ": generation-service answered " + r.statusCode() + ": " + detail);
        }
        try {
            return mapper.readTree(r.body());
        } catch (IOException e) {
            throw new GenerationException(what + ": generation-service answered something that is not JSON");
        }
    }

    private static Job job(JsonNode j) {
        return new Job(j.path("id").asLong(), j.path("status").asText(), j.path("error").asText(null), j.path("dataset").asText(null),
                j.path("total").asLong(), j.path("done").asLong(), j.path("failed").asLong(), j.path("cost").asDouble(),
                j.path("teacherCircuit").asText("closed"));
    }
}
