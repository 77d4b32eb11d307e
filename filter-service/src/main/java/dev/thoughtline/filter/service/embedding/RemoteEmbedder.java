package dev.thoughtline.filter.service.embedding;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.thoughtline.contracts.BoundedBody;
import dev.thoughtline.contracts.Excerpt;
import dev.thoughtline.support.Retries;
import dev.thoughtline.support.RetryConfig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An OpenAI-compatible {@code POST {baseUrl}/embeddings} endpoint (vLLM, text-embeddings-inference, OpenAI), in
 * batches; the API key, if any, comes from an environment variable. A batch is retried ({@link Retries}) on
 * connection errors, 429 (after its {@code Retry-After}) and 5xx; any other answer fails it. Blocking: steps run on
 * worker threads.
 */
public final class RemoteEmbedder implements Embedder {

    /** The largest answer read: a batch's vectors are a few megabytes at most. */
    private static final long MAX_RESPONSE_BYTES = 256L << 20;

    private final URI uri;
    private final String model;
    private final String apiKey;
    private final int batch;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper mapper;
    private final Retries retries;

    public RemoteEmbedder(String baseUrl, String model, String apiKey, int batch, ObjectMapper mapper, RetryConfig retry) {
        this.uri = URI.create((baseUrl.endsWith("/") ? baseUrl : baseUrl + "/") + "embeddings");
        this.model = model;
        this.apiKey = apiKey;
        this.batch = batch;
        this.mapper = mapper;
        this.retries = new Retries("embeddings endpoint", retry);
    }

    @Override
    public List<float[]> embed(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += batch) {
            List<String> part = texts.subList(from, Math.min(texts.size(), from + batch));
            ObjectNode body = mapper.createObjectNode().put("model", model);
            ArrayNode input = body.putArray("input");
            part.forEach(input::add);
            HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
            if (apiKey != null && !apiKey.isBlank()) {
                r.header("Authorization", "Bearer " + apiKey);
            }
            HttpRequest request = r.build();
            JsonNode answer;
            try {
                answer = retries.call(() -> send(request));
            } catch (Retries.GaveUp e) {
                throw new IllegalStateException(e.getMessage());
            }
            JsonNode data = answer.path("data");
            if (!data.isArray() || data.size() != part.size()) {
                throw new IllegalStateException("the embeddings endpoint " + uri + " answered " + data.size() + " vectors for " + part.size() + " texts");
            }
            float[][] ordered = new float[part.size()][];
            for (JsonNode d : data) {
                int index = d.path("index").asInt(-1);
                if (index < 0 || index >= ordered.length || ordered[index] != null) {
                    throw new IllegalStateException("the embeddings endpoint " + uri + " answered a vector with a missing, repeated or unknown index");
                }
                JsonNode v = d.path("embedding");
                float[] f = new float[v.size()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) v.get(i).asDouble();
                }
                ordered[index] = Embedder.normalise(f);
            }
            for (float[] f : ordered) {
                out.add(f);
            }
        }
        return out;
    }

    /** One try: the answer, a {@link Retries.Transient} (connection error, 429, 5xx), or a failure. */
    private JsonNode send(HttpRequest request) throws InterruptedException {
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(request, BoundedBody.ofByteArray(MAX_RESPONSE_BYTES));
        } catch (BoundedBody.TooLarge e) {
            throw new IllegalStateException("the embeddings endpoint " + uri + " answered more than " + MAX_RESPONSE_BYTES + " bytes");
        } catch (IOException e) {
            throw new Retries.Transient("the embeddings endpoint " + uri + " cannot be reached: " + e, null);
        }
        int status = resp.statusCode();
        if (status / 100 != 2) {
            String message = "the embeddings endpoint " + uri + " answered " + status + ": " + Excerpt.of(resp.body(), Excerpt.SHORT);
            if (status == 429 || status / 100 == 5) {
                throw new Retries.Transient(message, Retries.retryAfter(resp.headers().firstValue("Retry-After").orElse(null),
                        java.time.Clock.systemUTC()));
            }
            throw new IllegalStateException(message);
        }
        try {
            return mapper.readTree(resp.body());
        } catch (IOException e) {
            throw new IllegalStateException("the embeddings endpoint " + uri + " answered something that is not JSON");
        }
    }
}
