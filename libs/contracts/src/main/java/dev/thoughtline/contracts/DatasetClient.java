package dev.thoughtline.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Reads any dataset that serves the contract, whoever serves it. {@link #items(DatasetRef)} streams every
 * item page by page: a page is fetched only when the subscriber has asked for the items before it
 * (backpressure), so memory holds at most one page. Each request is retried with exponential backoff and
 * jitter on connection errors, 429 and 5xx; any other 4xx fails at once with the server's problem detail.
 * Thread-safe; share one per application.
 */
public final class DatasetClient {

    /**
     * @param pageSize        items asked per page (the contract allows up to 10000)
     * @param attempts        tries per request, the first included
     * @param firstBackoff    the wait before the first retry; it doubles up to {@code maxBackoff}
     * @param requestTimeout  the limit for one page to arrive
     * @param headers         extra headers for every request (an Authorization header, say); may be empty
     */
    public record Options(int pageSize, int attempts, Duration firstBackoff, Duration maxBackoff,
                          Duration requestTimeout, Supplier<Map<String, String>> headers) {
        public static Options defaults() {
            return new Options(1000, 5, Duration.ofMillis(200), Duration.ofSeconds(10), Duration.ofSeconds(60), Map::of);
        }

        public Options withPageSize(int size) {
            return new Options(size, attempts, firstBackoff, maxBackoff, requestTimeout, headers);
        }

        public Options withRetries(int attempts, Duration first, Duration max) {
            return new Options(pageSize, attempts, first, max, requestTimeout, headers);
        }

        /** Headers for every request, asked for each one (a token may change). */
        public Options withHeaders(Supplier<Map<String, String>> headers) {
            return new Options(pageSize, attempts, firstBackoff, maxBackoff, requestTimeout, headers);
        }
    }

    /** One page of items and the URL of the next one (null on the last page). */
    public record Page(URI uri, List<JsonNode> items, URI next) {
    }

    private static final Page END = new Page(null, List.of(), null);

    private final HttpClient http;
    private final ObjectMapper mapper;
    private final Options options;

    public DatasetClient(HttpClient http, ObjectMapper mapper, Options options) {
        if (options.pageSize() < 1 || options.pageSize() > 10_000) {
            throw new IllegalArgumentException("pageSize must be 1..10000");
        }
        this.http = http;
        this.mapper = mapper;
        this.options = options;
    }

    public DatasetClient(ObjectMapper mapper) {
        this(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build(), mapper, Options.defaults());
    }

    /** {@code GET {ref}}: the dataset's state and lineage. */
    public Uni<DatasetInfo> info(DatasetRef ref) {
        return withRetries(send(ref.uri(), "application/json"))
                .map(r -> {
                    try {
                        return mapper.readValue(r.body(), DatasetInfo.class);
                    } catch (IOException e) {
                        throw new DatasetClientException(ref.uri(), r.statusCode(), "not a dataset: " + e.getMessage(), e);
                    }
                });
    }

    /** Every item of the dataset, in cursor order. */
    public Multi<JsonNode> items(DatasetRef ref) {
        return pages(ref.itemsUri(null, options.pageSize())).onItem().transformToIterable(Page::items);
    }

    /** Every item, bound to {@code type}. */
    public <T> Multi<T> items(DatasetRef ref, Class<T> type) {
        return items(ref).map(node -> mapper.convertValue(node, type));
    }

    /**
     * The pages from {@code first} on, following {@code Link: rel="next"}. Start from a page's
     * {@link Page#next()} to resume a read that stopped.
     */
    public Multi<Page> pages(URI first) {
        AtomicReference<URI> cursor = new AtomicReference<>(first);
        return Multi.createBy().repeating()
                .uni(() -> {
                    URI uri = cursor.get();
                    if (uri == null) {
                        return Uni.createFrom().item(END);
                    }
                    return withRetries(send(uri, Ndjson.MEDIA_TYPE))
                            .map(r -> toPage(uri, r))
                            .invoke(p -> cursor.set(p.next()));
                })
                .until(p -> p == END);
    }

    private Uni<HttpResponse<byte[]>> send(URI uri, String accept) {
        return Uni.createFrom().deferred(() -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(options.requestTimeout()).header("Accept", accept);
            options.headers().get().forEach(b::header);
            return Uni.createFrom().completionStage(http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray()));
        }).onFailure().transform(e -> e instanceof DatasetClientException ? e
                : new DatasetClientException(uri, 0, "cannot read " + uri + ": " + e, e))
                .map(r -> {
                    if (r.statusCode() / 100 != 2) {
                        String body = new String(r.body(), StandardCharsets.UTF_8);
                        throw new DatasetClientException(uri, r.statusCode(),
                                "GET " + uri + " answered " + r.statusCode() + (body.isBlank() ? "" : ": " + abbreviate(body)), null);
                    }
                    return r;
                });
    }

    private <T> Uni<T> withRetries(Uni<T> call) {
        if (options.attempts() <= 1) {
            return call;
        }
        return call.onFailure(e -> e instanceof DatasetClientException d && d.retryable())
                .retry().withBackOff(options.firstBackoff(), options.maxBackoff()).withJitter(0.3)
                .atMost(options.attempts() - 1L);
    }

    private Page toPage(URI uri, HttpResponse<byte[]> r) {
        List<JsonNode> items = new ArrayList<>();
        try {
            Ndjson.Reader reader = new Ndjson.Reader(mapper, new ByteArrayInputStream(r.body()), Integer.MAX_VALUE - 16);
            reader.forEachRemaining(items::add);
        } catch (Ndjson.NdjsonException e) {
            throw new DatasetClientException(uri, r.statusCode(), "malformed page " + uri + ": " + e.getMessage(), e);
        }
        List<String> links = r.headers().allValues("Link");
        URI next = LinkHeader.findNext(links.isEmpty() ? null : String.join(", ", links), uri);
        return new Page(uri, items, next);
    }

    private static String abbreviate(String s) {
        return s.length() <= 500 ? s : s.substring(0, 500) + "...";
    }
}
