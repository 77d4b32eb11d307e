package dev.thoughtline.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.logging.Log;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * generation-service's job API as the other services use it (filter-service's LLM steps, eval-service's runs):
 * submit a job (the same name and request again answer the existing job, so a resumed run does not pay twice, and a
 * retried submission is safe), read its state, follow it to its end through its event stream, cancel it, look a
 * teacher up. Every call is retried ({@link Retries}) on connection errors, 429 (after its {@code Retry-After}), 502,
 * 503 and 504, so a restart of generation-service is waited out; any other answer that is not a success is
 * generation-service's and ends the call ({@link GenerationException} with its detail). Blocking: call it from a
 * worker thread.
 *
 * <p>The calls go through the JDK client rather than a REST client interface: {@link #await} reads a server-sent event
 * stream with a read timeout and reconnects it, which needs the bytes as they arrive, and one client style serves both.
 */
public final class GenerationClient {

    /** What a step needs of a job. */
    public record Job(long id, String status, String error, String dataset, long total, long done, long failed,
                      double cost, String teacherCircuit) {
        public boolean finished() {
            return !status.equals("running") && !status.equals("paused") && !status.equals("loading") && !status.equals("pending");
        }
    }

    /** generation-service refused a request, or could not be reached within the retries. */
    public static final class GenerationException extends RuntimeException {
        public GenerationException(String message) {
            super(message);
        }
    }

    /** Explicit settings, for a client built without a configuration mapping (tests). */
    public record Settings(RetryConfig retry, Duration requestTimeout, Duration streamIdle) implements GenerationClientConfig {
    }

    /** The longest event read from a job's stream (a job's view is a few kilobytes). */
    private static final int MAX_EVENT_BYTES = 4 << 20;

    private final String base;
    private final HttpClient http;
    private final ObjectMapper mapper;
    private final Duration requestTimeout;
    private final Duration streamIdle;
    private final Retries retries;

    public GenerationClient(String baseUrl, HttpClient http, ObjectMapper mapper, GenerationClientConfig config) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.http = http;
        this.mapper = mapper;
        this.requestTimeout = config.requestTimeout();
        this.streamIdle = config.streamIdle();
        this.retries = new Retries("generation-service", config.retry());
    }

    public Job submit(String name, String input, String teacher, String promptTemplate, int samplesPerItem, ObjectNode params) {
        ObjectNode body = mapper.createObjectNode().put("name", name).put("input", input).put("teacher", teacher)
                .put("promptTemplate", promptTemplate).put("samplesPerItem", samplesPerItem);
        if (params != null && !params.isEmpty()) {
            body.set("params", params);
        }
        // idempotent by name: a retry after a lost answer gets the job the first try created
        return job(call(request("/api/v1/jobs").setHeader("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), "submitting job " + name));
    }

    public Job job(long id) {
        return job(call(request("/api/v1/jobs/" + id).GET(), "reading job " + id));
    }

    public Job cancel(long id) {
        return job(call(request("/api/v1/jobs/" + id + "/cancel").POST(HttpRequest.BodyPublishers.noBody()), "cancelling job " + id));
    }

    /** The teacher of that name as generation-service shows it ({@code baseUrl}, {@code model}, {@code pricing}, ...), or null. */
    public JsonNode teacher(String name) {
        for (JsonNode t : call(request("/api/v1/teachers").GET(), "listing teachers")) {
            if (name.equals(t.path("name").asText())) {
                return t;
            }
        }
        return null;
    }

    /**
     * Follows a job until it is in a final state, through {@code GET /jobs/{id}/events} (an event when its progress
     * changes, the last one in its final state), and answers it as last seen: finished, or not when {@code timeout}
     * passed first (the caller decides what that means). A stream that breaks (generation-service restarted) is
     * reconnected with the retries' backoff, and then the job is read once with {@code GET /jobs/{id}}, so that an
     * end reached while nobody listened is seen; a stream quiet for {@code stream-idle} is checked the same way, and
     * reconnected when the job moved without it. {@code progress} (may be null) sees every state read, in order; an
     * exception it throws ends the wait and propagates.
     */
    public Job await(Job job, Duration timeout, Consumer<Job> progress) {
        Consumer<Job> seen = progress == null ? j -> { } : progress;
        long deadline = System.nanoTime() + timeout.toNanos();
        long id = job.id();
        Job last = job;
        boolean reconnect = false;
        try {
            while (!last.finished() && System.nanoTime() - deadline < 0) {
                try (EventStream stream = guarded("following job " + id, deadline, () -> connect(id, deadline))) {
                    if (reconnect) {
                        last = guarded("reading job " + id, deadline, () -> readJob(id));
                        seen.accept(last);
                        if (last.finished()) {
                            break;
                        }
                    }
                    last = follow(stream, last, deadline, seen);
                }
                reconnect = true;
            }
        } catch (PastDeadline e) {
            // the caller's time is up while generation-service was being waited for: the job as last seen
        }
        return last;
    }

    /** Reads a stream until the job ends, the time is up, or the stream breaks or turns out stale. */
    private Job follow(EventStream stream, Job last, long deadline, Consumer<Job> seen) {
        long id = last.id();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return last;
            }
            Object next = stream.next(Math.min(left, streamIdle.toNanos()), "following job " + id);
            if (next == null) {
                if (deadline - System.nanoTime() <= 0) {
                    return last;
                }
                Job now = guarded("reading job " + id, deadline, () -> readJob(id));
                seen.accept(now);
                if (now.finished() || !sameProgress(last, now)) {
                    // finished, or it moved and the stream did not say so: a connection that died without closing
                    return now;
                }
                last = now;
            } else if (next instanceof String data) {
                last = job(parse(data, "following job " + id));
                seen.accept(last);
                if (last.finished()) {
                    return last;
                }
            } else {
                Log.infof("the event stream of generation job %d at %s ended (%s): reconnecting", id, base,
                        next == EventStream.END ? "closed" : next.toString());
                return last;
            }
        }
    }

    private static boolean sameProgress(Job a, Job b) {
        return a.status().equals(b.status()) && a.total() == b.total() && a.done() == b.done() && a.failed() == b.failed();
    }

    /** Opens a job's event stream and waits for its first event (generation-service sends the state at once). */
    private EventStream connect(long id, long deadline) throws InterruptedException {
        HttpRequest.Builder request = request("/api/v1/jobs/" + id + "/events").setHeader("Accept", "text/event-stream").GET();
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> r;
        try {
            r = http.send(request.timeout(requestTimeout).build(), HttpResponse.BodyHandlers.ofPublisher());
        } catch (IOException e) {
            throw unreachable(e);
        }
        if (r.statusCode() != 200) {
            HttpResponse.BodySubscriber<String> body = HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
            r.body().subscribe(body);
            String text;
            try {
                text = body.getBody().toCompletableFuture().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                text = "";
            }
            throw refusal(r.statusCode(), r.headers(), text, "following job " + id);
        }
        EventStream stream = new EventStream();
        r.body().subscribe(stream);
        // a stream that ends before its first event counts as a failed try, so that reconnecting backs off
        Object first = stream.next(Math.max(1, Math.min(streamIdle.toNanos(), deadline - System.nanoTime())), "following job " + id);
        if (first == EventStream.END || first instanceof Throwable) {
            stream.close();
            throw new Retries.Transient("the event stream of job " + id + " at " + base + " ended before its first event"
                    + (first instanceof Throwable t ? ": " + t : ""), null);
        }
        stream.pushBack(first);
        return stream;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        BearerTokens.outgoing().forEach(request::header);
        return request;
    }

    private JsonNode call(HttpRequest.Builder request, String what) {
        return guarded(what, 0, () -> send(request, what));
    }

    private Job readJob(long id) throws InterruptedException {
        return job(send(request("/api/v1/jobs/" + id).GET(), "reading job " + id));
    }

    /** Retried as {@link Retries} says; {@code deadline} (a nano time, 0 for none) stops the retries with {@link PastDeadline}. */
    private <T> T guarded(String what, long deadline, Callable<T> attempt) {
        try {
            return retries.call(() -> {
                if (deadline != 0 && System.nanoTime() - deadline >= 0) {
                    throw new PastDeadline();
                }
                return attempt.call();
            });
        } catch (Retries.GaveUp e) {
            throw new GenerationException(what + ": " + e.getMessage());
        }
    }

    /** One try: the answer, a {@link Retries.Transient} to try again, or a {@link GenerationException}. */
    private JsonNode send(HttpRequest.Builder request, String what) throws InterruptedException {
        HttpResponse<String> r;
        try {
            r = http.send(request.timeout(requestTimeout).setHeader("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw unreachable(e);
        }
        if (r.statusCode() / 100 != 2) {
            throw refusal(r.statusCode(), r.headers(), r.body(), what);
        }
        return parse(r.body(), what);
    }

    private Retries.Transient unreachable(IOException e) {
        return new Retries.Transient("generation-service at " + base + " cannot be reached: " + e, null);
    }

    /** 429 and the gateway's 502, 503, 504 are passing; anything else is generation-service's answer. */
    private RuntimeException refusal(int status, HttpHeaders headers, String body, String what) {
        String detail = body;
        try {
            JsonNode problem = mapper.readTree(body);
            detail = problem.path("detail").asText(body);
        } catch (IOException ignored) {
            // not a problem document: the body as it is
        }
        if (status == 429 || status == 502 || status == 503 || status == 504) {
            return new Retries.Transient("generation-service at " + base + " answered " + status + ": " + detail,
                    Retries.retryAfter(headers.firstValue("Retry-After").orElse(null), Clock.systemUTC()));
        }
        return new GenerationException(what + ": generation-service answered " + status + ": " + detail);
    }

    private JsonNode parse(String body, String what) {
        try {
            return mapper.readTree(body);
        } catch (IOException e) {
            throw new GenerationException(what + ": generation-service answered something that is not JSON");
        }
    }

    private static Job job(JsonNode j) {
        return new Job(j.path("id").asLong(), j.path("status").asText(), j.path("error").asText(null), j.path("dataset").asText(null),
                j.path("total").asLong(), j.path("done").asLong(), j.path("failed").asLong(), j.path("cost").asDouble(),
                j.path("teacherCircuit").asText("closed"));
    }

    /** The caller's time ran out while a call was being retried. */
    private static final class PastDeadline extends RuntimeException {
        PastDeadline() {
            super(null, null, false, false);
        }
    }

    /**
     * A server-sent event stream as it arrives: each event's data, then {@link #END} or the failure, for one thread
     * to take with a timeout. Lines are bounded; comments and fields other than {@code data} are skipped.
     */
    static final class EventStream implements Flow.Subscriber<List<ByteBuffer>>, AutoCloseable {
        static final Object END = new Object();

        private final BlockingQueue<Object> items = new LinkedBlockingQueue<>();
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final StringBuilder data = new StringBuilder();
        private volatile Flow.Subscription subscription;
        private volatile boolean closed;
        private Object pushedBack;
        private boolean failed;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (closed) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer b : buffers) {
                while (b.hasRemaining() && !failed) {
                    byte c = b.get();
                    if (c == '\n') {
                        line();
                    } else if (line.size() + data.length() >= MAX_EVENT_BYTES) {
                        failed = true;
                        subscription.cancel();
                        items.add(new IOException("an event longer than " + MAX_EVENT_BYTES + " bytes"));
                    } else {
                        line.write(c);
                    }
                }
            }
            if (!failed) {
                subscription.request(1);
            }
        }

        private void line() {
            String l = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (l.endsWith("\r")) {
                l = l.substring(0, l.length() - 1);
            }
            if (l.isEmpty()) {
                if (data.length() > 0) {
                    items.add(data.toString());
                    data.setLength(0);
                }
            } else if (l.startsWith("data:")) {
                if (data.length() > 0) {
                    data.append('\n');
                }
                data.append(l, l.startsWith("data: ") ? 6 : 5, l.length());
            }
        }

        @Override
        public void onError(Throwable t) {
            if (!failed) {
                items.add(t);
            }
        }

        @Override
        public void onComplete() {
            items.add(END);
        }

        /** The next event's data, {@link #END}, a failure, or null when nothing came within {@code nanos}. */
        Object next(long nanos, String what) {
            if (pushedBack != null) {
                Object p = pushedBack;
                pushedBack = null;
                return p;
            }
            try {
                return items.poll(nanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new GenerationException(what + ": interrupted");
            }
        }

        void pushBack(Object item) {
            pushedBack = item;
        }

        @Override
        public void close() {
            closed = true;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }
    }
}
