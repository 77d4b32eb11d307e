package dev.thoughtline.generation.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Calls one OpenAI-compatible teacher's {@code /v1/chat/completions}, always streamed, over HTTP/1.1 (vLLM
 * answers an h2c upgrade with 400) with a connection pool as large as the teacher's concurrency limit.
 * A request has no total timeout (a 32K-token answer takes minutes) but an idle timeout: no byte for that
 * long and it fails as {@link TeacherException.Kind#IDLE_TIMEOUT}. A stream that ends without
 * {@code [DONE]} or a finish reason is a {@link TeacherException.Kind#BROKEN_STREAM}, never a completion.
 * Retrying is the caller's decision: every failure is a {@link TeacherException} that says whether it may
 * help. Thread-safe; one per teacher.
 */
public final class TeacherClient implements AutoCloseable {

    /**
     * Where the teacher is and how to talk to it.
     *
     * @param baseUrl        the OpenAI base URL, ending in {@code /v1}
     * @param apiKey           sent as a bearer token; null for none. Never logged, masked in {@link #toString()}.
     * @param maxConcurrency   the pool size: requests in flight at once
     * @param firstTokenTimeout the longest wait for the first token (the teacher may queue the request)
     * @param idleTimeout       the longest silence once tokens flow
     * @param maxLineBytes      the longest line of the stream
     * @param maxSampleChars    the longest sample (reasoning and content); longer fails as {@link TeacherException.Kind#TOO_LARGE}
     */
    public record Endpoint(URI baseUrl, String model, String apiKey, int maxConcurrency, Duration firstTokenTimeout,
                           Duration idleTimeout, Duration connectTimeout, int maxLineBytes, int maxSampleChars) {
        @Override
        public String toString() {
            return "Endpoint[baseUrl=" + baseUrl + ", model=" + model + ", apiKey=" + (apiKey == null ? "none" : "***")
                    + ", maxConcurrency=" + maxConcurrency + ", firstTokenTimeout=" + firstTokenTimeout
                    + ", idleTimeout=" + idleTimeout + ", maxLineBytes=" + maxLineBytes + ", maxSampleChars=" + maxSampleChars + "]";
        }
    }

    /** The most of an error response that is read. */
    static final int MAX_ERROR_BYTES = 64 * 1024;

    private final Vertx vertx;
    private final ObjectMapper mapper;
    private final Endpoint endpoint;
    private final HttpClient http;
    private final String completionsUrl;

    public TeacherClient(Vertx vertx, ObjectMapper mapper, Endpoint endpoint) {
        this.vertx = vertx;
        this.mapper = mapper;
        this.endpoint = endpoint;
        HttpClientOptions options = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setPipelining(false)
                .setConnectTimeout((int) endpoint.connectTimeout().toMillis())
                .setSsl("https".equals(endpoint.baseUrl().getScheme()));
        this.http = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(endpoint.maxConcurrency()).setMaxWaitQueueSize(-1));
        String base = endpoint.baseUrl().toString();
        this.completionsUrl = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/chat/completions";
    }

    /** Asks for a completion; the Uni fails with a {@link TeacherException}. */
    public Uni<Completion> complete(ChatRequest request) {
        return Uni.createFrom().emitter(em -> {
            byte[] body;
            try {
                body = body(request);
            } catch (RuntimeException e) {
                em.fail(new TeacherException(TeacherException.Kind.REJECTED, 0, null, "cannot write the request: " + e.getMessage(), e));
                return;
            }
            send(body, request.n(), em);
        });
    }

    @Override
    public void close() {
        http.close();
    }

    /** The request's JSON, written field by field (building a tree of it first cost about as much again). */
    private byte[] body(ChatRequest request) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(512);
        try (com.fasterxml.jackson.core.JsonGenerator json = mapper.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("model", endpoint.model());
            json.writeArrayFieldStart("messages");
            for (ChatRequest.Message m : request.messages()) {
                json.writeStartObject();
                json.writeStringField("role", m.role());
                json.writeStringField("content", m.content());
                json.writeEndObject();
            }
            json.writeEndArray();
            for (java.util.Map.Entry<String, Object> p : request.params().entrySet()) {
                json.writeFieldName(p.getKey());
                json.writeObject(p.getValue());
            }
            json.writeNumberField("n", request.n());
            json.writeBooleanField("stream", true);
            json.writeObjectFieldStart("stream_options");
            json.writeBooleanField("include_usage", true);
            json.writeEndObject();
            json.writeEndObject();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void send(byte[] body, int n, UniEmitter<? super Completion> em) {
        AtomicBoolean settled = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Runnable> abort = new java.util.concurrent.atomic.AtomicReference<>();
        // a cancelled call (a caller's timeout, a cancelled job) gives its connection back at once
        em.onTermination(() -> {
            if (settled.compareAndSet(false, true)) {
                Runnable a = abort.get();
                if (a != null) {
                    a.run();
                }
            }
        });
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(completionsUrl)
                .putHeader("Content-Type", "application/json").putHeader("Accept", "text/event-stream");
        if (endpoint.apiKey() != null && !endpoint.apiKey().isEmpty()) {
            options.putHeader("Authorization", "Bearer " + endpoint.apiKey());
        }
        http.request(options).onComplete(opened -> {
            if (opened.failed()) {
                fail(em, settled, new TeacherException(TeacherException.Kind.CONNECTION, 0, null,
                        "cannot reach " + completionsUrl + ": " + opened.cause().getMessage(), opened.cause()));
                return;
            }
            HttpClientRequest req = opened.result();
            Idle idle = new Idle(req);
            abort.set(() -> {
                idle.stop();
                req.reset();
            });
            if (settled.get()) {
                req.reset();
                return;
            }
            // timed from the moment a pooled connection is ours: waiting for one is not the teacher's latency
            SseCompletion stream = new SseCompletion(n, System.nanoTime(), endpoint.maxLineBytes(), endpoint.maxSampleChars());
            req.response().onComplete(answered -> {
                if (answered.failed()) {
                    idle.stop();
                    fail(em, settled, broken(idle, answered.cause()));
                    return;
                }
                HttpClientResponse res = answered.result();
                idle.touch(false);
                if (res.statusCode() != 200) {
                    // the error's first bytes are enough to say what went wrong; a longer body is not read
                    Buffer error = Buffer.buffer();
                    Runnable refused = () -> {
                        idle.stop();
                        fail(em, settled, rejected(res, error));
                    };
                    res.handler(b -> {
                        error.appendBuffer(b, 0, Math.min(b.length(), MAX_ERROR_BYTES - error.length()));
                        if (error.length() >= MAX_ERROR_BYTES) {
                            refused.run();
                            req.reset();
                        }
                    });
                    res.exceptionHandler(e -> refused.run());
                    res.endHandler(v -> refused.run());
                    return;
                }
                res.handler(chunk -> {
                    stream.feed(chunk);
                    if (stream.overflow() != null) {
                        idle.stop();
                        fail(em, settled, new TeacherException(TeacherException.Kind.TOO_LARGE, 200, null,
                                "the answer is too large: " + stream.overflow(), null));
                        req.reset();
                        return;
                    }
                    idle.touch(stream.tokensSeen());
                });
                res.exceptionHandler(e -> {
                    idle.stop();
                    fail(em, settled, broken(idle, e));
                });
                res.endHandler(v -> {
                    idle.stop();
                    stream.end();
                    Completion c = stream.completion();
                    if (c == null) {
                        fail(em, settled, new TeacherException(TeacherException.Kind.BROKEN_STREAM, 200, null,
                                "the stream ended before [DONE] and a finish reason for every sample", null));
                    } else if (settled.compareAndSet(false, true)) {
                        em.complete(c);
                    }
                });
            });
            req.exceptionHandler(e -> {
                idle.stop();
                fail(em, settled, broken(idle, e));
            });
            idle.start();
            req.end(Buffer.buffer(body));
        });
    }

    private TeacherException broken(Idle idle, Throwable cause) {
        if (idle.fired) {
            return new TeacherException(TeacherException.Kind.IDLE_TIMEOUT, 0, null, idle.started
                    ? "no data from the teacher for " + endpoint.idleTimeout().toMillis() + " ms"
                    : "no token from the teacher within " + endpoint.firstTokenTimeout().toMillis() + " ms", cause);
        }
        return new TeacherException(TeacherException.Kind.CONNECTION, 0, null,
                "the connection to the teacher broke: " + cause.getMessage(), cause);
    }

    private TeacherException rejected(HttpClientResponse res, Buffer body) {
        int status = res.statusCode();
        String message = message(body);
        if (status == 429) {
            return new TeacherException(TeacherException.Kind.RATE_LIMITED, status, retryAfter(res.getHeader("Retry-After")),
                    "the teacher is rate limited (429): " + message, null);
        }
        if (status >= 500) {
            return new TeacherException(TeacherException.Kind.SERVER_ERROR, status, retryAfter(res.getHeader("Retry-After")),
                    "the teacher failed (" + status + "): " + message, null);
        }
        return new TeacherException(TeacherException.Kind.REJECTED, status, null,
                "the teacher refused the request (" + status + "): " + message, null);
    }

    /**
     * The provider's own message ({@code error.message}, {@code message}, a problem's {@code detail}, or the body's
     * start) as a short excerpt on one line, the key masked: it is stored with the sample and shown to callers.
     */
    private String message(Buffer body) {
        String text = dev.thoughtline.contracts.Excerpt.of(body.getBytes(), 300);
        if (endpoint.apiKey() != null && !endpoint.apiKey().isEmpty()) {
            // some proxies echo the key back in their errors
            text = text.replace(endpoint.apiKey(), "***");
        }
        return text;
    }

    static Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException notADate) {
                return null;
            }
        }
    }

    private static void fail(UniEmitter<? super Completion> em, AtomicBoolean settled, TeacherException e) {
        if (settled.compareAndSet(false, true)) {
            em.fail(e);
        }
    }

    /**
     * The timeouts: a periodic check of when the last byte came, which resets a silent request. Before the
     * first token the limit is the first-token timeout (a teacher may queue the request, or think long before
     * its first token, sending nothing or only headers), after it the idle timeout.
     */
    private final class Idle {
        private final HttpClientRequest request;
        private volatile long last = System.nanoTime();
        private long timer = -1;
        volatile boolean fired;
        volatile boolean started;

        Idle(HttpClientRequest request) {
            this.request = request;
        }

        void start() {
            long idle = endpoint.idleTimeout().toNanos();
            long first = endpoint.firstTokenTimeout().toNanos();
            long every = Math.max(10, Math.min(endpoint.idleTimeout().toMillis(), endpoint.firstTokenTimeout().toMillis()) / 4);
            last = System.nanoTime();
            timer = vertx.setPeriodic(every, id -> {
                if (System.nanoTime() - last > (started ? idle : first)) {
                    fired = true;
                    vertx.cancelTimer(id);
                    request.reset();
                }
            });
        }

        /** Bytes came; {@code tokens}: the answer has begun, so the idle timeout applies from now on. */
        void touch(boolean tokens) {
            started |= tokens;
            last = System.nanoTime();
        }

        void stop() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
        }
    }
}
