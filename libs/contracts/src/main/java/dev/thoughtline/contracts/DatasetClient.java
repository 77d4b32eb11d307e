package dev.thoughtline.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * jitter on connection errors, 429 and 5xx; any other 4xx fails at once with an excerpt of the server's problem detail.
 * Every URL goes through the {@link OutboundPolicy} first, only the suite's own services get the service token,
 * {@code Link} targets are followed on the same origin only, and a page is refused when it is larger than
 * {@link Options#maxPageBytes()} or holds more items than asked. Thread-safe; share one per application.
 */
public final class DatasetClient {

    /**
     * @param pageSize        items asked per page (the contract allows up to 10000)
     * @param attempts        tries per request, the first included
     * @param firstBackoff    the wait before the first retry; it doubles up to {@code maxBackoff}
     * @param requestTimeout  the limit for one page to arrive
     * @param suiteHeaders    headers for requests to the suite's own services only (the service token): a URL
     *                        outside {@link OutboundPolicy#isSuite} never gets them; may be empty
     * @param policy          where requests may go: every URL (DatasetRefs, {@code Link} targets) is checked first
     * @param maxPageBytes    the largest page body read; a longer one fails the read without being buffered
     */
    public record Options(int pageSize, int attempts, Duration firstBackoff, Duration maxBackoff,
                          Duration requestTimeout, Supplier<Map<String, String>> suiteHeaders, OutboundPolicy policy,
                          long maxPageBytes) {
        public static Options defaults() {
            // about 40 s of waits before a read fails: a restart of the service read from, not only a blip
            return new Options(1000, 10, Duration.ofMillis(200), Duration.ofSeconds(10), Duration.ofSeconds(60), Map::of,
                    OutboundPolicy.permissive(), DEFAULT_MAX_PAGE_BYTES);
        }

        public Options withPageSize(int size) {
            return new Options(size, attempts, firstBackoff, maxBackoff, requestTimeout, suiteHeaders, policy, maxPageBytes);
        }

        public Options withRetries(int attempts, Duration first, Duration max) {
            return new Options(pageSize, attempts, first, max, requestTimeout, suiteHeaders, policy, maxPageBytes);
        }

        /**
         * Where requests may go, and the headers sent to the suite's own services (asked for each request: a token
         * may change). No other URL ever gets them.
         */
        public Options withPolicy(OutboundPolicy policy, Supplier<Map<String, String>> suiteHeaders) {
            return new Options(pageSize, attempts, firstBackoff, maxBackoff, requestTimeout, suiteHeaders, policy, maxPageBytes);
        }

        public Options withMaxPageBytes(long max) {
            return new Options(pageSize, attempts, firstBackoff, maxBackoff, requestTimeout, suiteHeaders, policy, max);
        }
    }

    /** The default limit of a page's body: 32 MiB (a page costs several times its size in heap while it is read and parsed). */
    public static final long DEFAULT_MAX_PAGE_BYTES = 32L << 20;

    /** The limit of a dataset description's body. */
    static final long MAX_INFO_BYTES = 4L << 20;

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
        return withRetries(send(ref.uri(), "application/json", MAX_INFO_BYTES))
                .map(r -> {
                    try {
                        return mapper.readValue(r.body(), DatasetInfo.class);
                    } catch (IOException e) {
                        throw new DatasetClientException(ref.uri(), r.statusCode(), "not a dataset: "
                                + Excerpt.clean(e.getMessage(), Excerpt.SHORT), e, false);
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
     * The pages from {@code first} on, following {@code Link: rel="next"} on the same origin only. Start from a
     * page's {@link Page#next()} to resume a read that stopped.
     */
    public Multi<Page> pages(URI first) {
        AtomicReference<URI> cursor = new AtomicReference<>(first);
        return Multi.createBy().repeating()
                .uni(() -> {
                    URI uri = cursor.get();
                    if (uri == null) {
                        return Uni.createFrom().item(END);
                    }
                    return withRetries(send(uri, Ndjson.MEDIA_TYPE, options.maxPageBytes()))
                            .map(r -> toPage(uri, r))
                            .invoke(p -> cursor.set(p.next()));
                })
                .until(p -> p == END);
    }

    /**
     * GET {@code uri} once the policy allows it (checked on a worker thread: it resolves the host), with the suite's
     * headers only when it is a suite origin, reading at most {@code maxBytes}. Redirects are never followed.
     */
    private Uni<HttpResponse<byte[]>> send(URI uri, String accept, long maxBytes) {
        boolean suite = options.policy().isSuite(uri);
        Uni<URI> allowed = suite ? Uni.createFrom().item(uri)
                : Uni.createFrom().item(() -> {
                    options.policy().check(uri);
                    return uri;
                }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return allowed.onFailure(OutboundPolicy.Refused.class).transform(e -> new DatasetClientException(uri, 0,
                        (e instanceof OutboundPolicy.Unresolvable ? "cannot read " : "refused to read ") + uri + ": " + e.getMessage(), e,
                        e instanceof OutboundPolicy.Unresolvable))
                .chain(u -> {
                    HttpRequest.Builder b = HttpRequest.newBuilder(u).GET().timeout(options.requestTimeout()).header("Accept", accept);
                    if (suite) {
                        options.suiteHeaders().get().forEach(b::header);
                    }
                    return Uni.createFrom().completionStage(http.sendAsync(b.build(), BoundedBody.ofByteArray(maxBytes)));
                })
                .onFailure().transform(e -> e instanceof DatasetClientException ? e : failure(uri, e, maxBytes))
                .map(r -> {
                    if (r.statusCode() / 100 != 2) {
                        String detail = Excerpt.of(r.body(), suite ? 500 : Excerpt.SHORT);
                        throw new DatasetClientException(uri, r.statusCode(),
                                "GET " + uri + " answered " + r.statusCode() + (detail.isEmpty() ? "" : ": " + detail), null);
                    }
                    return r;
                });
    }

    private static DatasetClientException failure(URI uri, Throwable e, long maxBytes) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof BoundedBody.TooLarge || cause.getCause() instanceof BoundedBody.TooLarge) {
            return new DatasetClientException(uri, 0, "GET " + uri + " answered more than " + maxBytes
                    + " bytes; ask for fewer items a page", cause, false);
        }
        return new DatasetClientException(uri, 0, "cannot read " + uri + ": " + cause, cause);
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
        int asked = askedLimit(uri);
        List<JsonNode> items = new ArrayList<>();
        try {
            Ndjson.Reader reader = new Ndjson.Reader(mapper, new ByteArrayInputStream(r.body()), (int) Math.min(Integer.MAX_VALUE - 16, options.maxPageBytes()));
            while (reader.hasNext()) {
                items.add(reader.next());
                if (items.size() > asked) {
                    throw new DatasetClientException(uri, r.statusCode(), "GET " + uri + " answered more than the "
                            + asked + " items asked", null, false);
                }
            }
        } catch (Ndjson.NdjsonException e) {
            throw new DatasetClientException(uri, r.statusCode(), "malformed page " + uri + ": " + e.getMessage(), e, false);
        }
        List<String> links = r.headers().allValues("Link");
        URI next;
        try {
            next = LinkHeader.findNext(links.isEmpty() ? null : String.join(", ", links), uri);
        } catch (IllegalArgumentException e) {
            throw new DatasetClientException(uri, r.statusCode(), "GET " + uri + " answered a Link that is not a URL", e, false);
        }
        if (next != null && !OutboundPolicy.sameOrigin(uri, next)) {
            throw new DatasetClientException(uri, r.statusCode(), "GET " + uri + " links its next page to another origin ("
                    + Excerpt.clean(next.getScheme() + "://" + next.getRawAuthority(), Excerpt.SHORT) + "); pages are followed on the same origin only", null, false);
        }
        return new Page(uri, items, next);
    }

    /** The {@code limit} of a page's URL (at most the contract's 10000), else the configured page size. */
    private int askedLimit(URI uri) {
        String q = uri.getRawQuery();
        if (q != null) {
            for (String p : q.split("&")) {
                if (p.startsWith("limit=")) {
                    try {
                        return Math.min(10_000, Math.max(1, Integer.parseInt(p.substring(6))));
                    } catch (NumberFormatException e) {
                        break;
                    }
                }
            }
        }
        return options.pageSize();
    }

}
