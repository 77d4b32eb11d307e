package dev.thoughtline.filter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.thoughtline.support.GenerationClient;
import dev.thoughtline.support.Retries;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link GenerationClient} against a stand-in generation-service that answers what each test scripts: which answers
 * are retried and which are not, Retry-After, the bounds of the retries, and following a job through an event
 * stream that ends early, breaks, or goes quiet. (The real generation-service killed and started again:
 * {@link GenerationRestartTest}.) A Quarkus test because SmallRye Fault Tolerance runs in the application.
 */
@QuarkusTest
class GenerationClientTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Fake fake;

    @AfterEach
    void stop() {
        if (fake != null) {
            fake.close();
        }
    }

    static GenerationClient client(String url, int attempts) {
        return new GenerationClient(url, HTTP, JSON, new GenerationClient.Settings(
                new Retries.Settings(attempts, Duration.ofSeconds(30), Duration.ofMillis(20), Duration.ofMillis(200)),
                Duration.ofSeconds(5), Duration.ofMillis(300)));
    }

    static String job(String status, long done) {
        return "{\"id\":7,\"name\":\"j\",\"status\":\"" + status + "\",\"total\":3,\"done\":" + done + ",\"failed\":0,\"teacherCircuit\":\"closed\"}";
    }

    static final String PROBLEM = "{\"type\":\"about:blank\",\"title\":\"Conflict\",\"status\":%d,\"detail\":\"%s\"}";

    @Test
    void refusalsAreAnswersAndAreTriedOnce() {
        fake = new Fake();
        fake.on("POST /api/v1/jobs", Fake.status(409, PROBLEM.formatted(409, "a job named 'j' exists with another request")));
        fake.on("GET /api/v1/jobs/7", Fake.status(422, PROBLEM.formatted(422, "no such thing")));
        fake.on("POST /api/v1/jobs/7/cancel", Fake.status(404, PROBLEM.formatted(404, "job 7")));
        fake.on("GET /api/v1/teachers", Fake.status(500, PROBLEM.formatted(500, "a bug")));
        GenerationClient client = client(fake.url(), 5);

        assertThatThrownBy(() -> client.submit("j", "http://x/api/v1/datasets/1", "t", "{{text}}", 1, null))
                .isInstanceOf(GenerationClient.GenerationException.class)
                .hasMessage("submitting job j: generation-service answered 409: a job named 'j' exists with another request");
        assertThatThrownBy(() -> client.job(7)).hasMessage("reading job 7: generation-service answered 422: no such thing");
        assertThatThrownBy(() -> client.cancel(7)).hasMessageContaining("answered 404: job 7");
        assertThatThrownBy(() -> client.teacher("t")).hasMessageContaining("answered 500: a bug");
        assertThat(fake.requests()).containsExactly("POST /api/v1/jobs", "GET /api/v1/jobs/7", "POST /api/v1/jobs/7/cancel", "GET /api/v1/teachers");
    }

    @Test
    void gatewayErrorsAndRateLimitsAreRetriedAndRetryAfterIsWaited() {
        fake = new Fake();
        fake.on("POST /api/v1/jobs", Fake.status(503, "starting"), Fake.status(502, "bad gateway"), Fake.status(504, "slow"),
                Fake.retryAfter(1), Fake.status(202, job("running", 0)));
        GenerationClient.Job job = client(fake.url(), 10).submit("j", "http://x/api/v1/datasets/1", "t", "{{text}}", 1, null);

        assertThat(job.id()).isEqualTo(7);
        assertThat(job.status()).isEqualTo("running");
        assertThat(fake.requests()).hasSize(5);
        // the try after the 429 came no sooner than its Retry-After of one second
        assertThat(fake.times().get(4) - fake.times().get(3)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(1000));
    }

    @Test
    void retriesStopAfterTheirAttemptsWithTheLastReason() {
        fake = new Fake();
        fake.on("GET /api/v1/jobs/7", Fake.status(503, PROBLEM.formatted(503, "draining")));
        assertThatThrownBy(() -> client(fake.url(), 3).job(7))
                .isInstanceOf(GenerationClient.GenerationException.class)
                .hasMessageStartingWith("reading job 7: generation-service at " + fake.url() + " answered 503: draining")
                .hasMessageContaining("gave up after 3 attempts");
        assertThat(fake.requests()).hasSize(3);
    }

    @Test
    void aRetryAfterBeyondTheRetryBudgetEndsTheCallAtOnce() {
        fake = new Fake();
        fake.on("GET /api/v1/jobs/7", Fake.retryAfter(3600));
        assertThatThrownBy(() -> client(fake.url(), 10).job(7)).hasMessageContaining("answered 429").hasMessageContaining("past the retry budget");
        assertThat(fake.requests()).hasSize(1);
    }

    @Test
    void aServiceThatCannotBeReachedIsTriedUntilTheAttemptsRunOut() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> client("http://localhost:" + port, 3).job(7))
                .hasMessageContaining("cannot be reached: java.net.ConnectException").hasMessageContaining("gave up after 3 attempts");
    }

    @Test
    void followingAJobReconnectsWhenItsStreamEndsOrBreaksAndReadsTheJobOnceBack() {
        fake = new Fake();
        fake.on("GET /api/v1/jobs/7/events",
                Fake.events(job("running", 1)),
                // a connection cut in the middle of an event
                Fake.cut("data:" + job("running", 1) + "\n\ndata:{\"id\":7,\"sta"),
                Fake.events(job("running", 2), job("complete", 3)));
        fake.on("GET /api/v1/jobs/7", Fake.status(200, job("running", 1)), Fake.status(200, job("running", 2)));
        List<GenerationClient.Job> seen = new CopyOnWriteArrayList<>();

        GenerationClient.Job done = client(fake.url(), 10).await(new GenerationClient.Job(7, "running", null, null, 3, 0, 0, 0, "closed"),
                Duration.ofMinutes(1), seen::add);

        assertThat(done.status()).isEqualTo("complete");
        assertThat(done.done()).isEqualTo(3);
        assertThat(seen).extracting(GenerationClient.Job::done).containsExactly(1L, 1L, 1L, 2L, 2L, 3L);
        // three streams, and after each reconnection one read of the job
        assertThat(fake.requests()).containsExactly("GET /api/v1/jobs/7/events", "GET /api/v1/jobs/7/events", "GET /api/v1/jobs/7",
                "GET /api/v1/jobs/7/events", "GET /api/v1/jobs/7");
    }

    @Test
    void aQuietStreamIsCheckedAndReplacedWhenTheJobMovedWithoutIt() {
        fake = new Fake();
        CountDownLatch release = new CountDownLatch(1);
        // the first stream says one thing and then nothing, as a connection that died without closing
        fake.on("GET /api/v1/jobs/7/events", Fake.silentAfter(release, job("running", 1)), Fake.events(job("complete", 3)));
        fake.on("GET /api/v1/jobs/7", Fake.status(200, job("running", 2)), Fake.status(200, job("complete", 3)));
        try {
            GenerationClient.Job done = client(fake.url(), 10).await(new GenerationClient.Job(7, "running", null, null, 3, 0, 0, 0, "closed"),
                    Duration.ofMinutes(1), null);
            assertThat(done.status()).isEqualTo("complete");
            assertThat(fake.requests()).containsExactly("GET /api/v1/jobs/7/events", "GET /api/v1/jobs/7", "GET /api/v1/jobs/7/events",
                    "GET /api/v1/jobs/7");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aQuietStreamOfAJobThatDoesNotMoveIsKeptAndTheWaitEndsAtTheCallersTimeout() {
        fake = new Fake();
        CountDownLatch release = new CountDownLatch(1);
        fake.on("GET /api/v1/jobs/7/events", Fake.silentAfter(release, job("running", 1)));
        fake.on("GET /api/v1/jobs/7", Fake.status(200, job("running", 1).replace("\"closed\"", "\"open: connection refused\"")));
        List<GenerationClient.Job> seen = new CopyOnWriteArrayList<>();
        try {
            GenerationClient.Job last = client(fake.url(), 10).await(new GenerationClient.Job(7, "running", null, null, 3, 0, 0, 0, "closed"),
                    Duration.ofMillis(1500), seen::add);
            assertThat(last.finished()).isFalse();
            assertThat(last.teacherCircuit()).as("the checks show what the stream does not").startsWith("open");
            assertThat(fake.requests()).startsWith("GET /api/v1/jobs/7/events", "GET /api/v1/jobs/7")
                    .filteredOn(r -> r.endsWith("/events")).hasSize(1);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aStreamThatEndsBeforeItsFirstEventIsTriedAgainWithBackoff() {
        fake = new Fake();
        fake.on("GET /api/v1/jobs/7/events", Fake.events(), Fake.events(), Fake.events(job("complete", 3)));
        GenerationClient.Job done = client(fake.url(), 10).await(new GenerationClient.Job(7, "running", null, null, 3, 0, 0, 0, "closed"),
                Duration.ofMinutes(1), null);
        assertThat(done.status()).isEqualTo("complete");
        assertThat(fake.requests()).containsExactly("GET /api/v1/jobs/7/events", "GET /api/v1/jobs/7/events", "GET /api/v1/jobs/7/events");
        // equal jitter: at least half the first backoff (20 ms) before the second try, half of 40 ms before the third
        assertThat(fake.times().get(1) - fake.times().get(0)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(10));
        assertThat(fake.times().get(2) - fake.times().get(1)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
    }

    /** A stand-in generation-service: scripted answers per method and path, the last one repeated; every request logged. */
    static final class Fake implements AutoCloseable {
        interface Answer {
            void answer(HttpExchange exchange) throws IOException;
        }

        private final HttpServer server;
        private final Map<String, Deque<Answer>> script = new HashMap<>();
        private final List<String> requests = new CopyOnWriteArrayList<>();
        private final List<Long> times = new CopyOnWriteArrayList<>();

        Fake() {
            try {
                server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/", exchange -> {
                String key = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
                times.add(System.nanoTime());
                requests.add(key);
                exchange.getRequestBody().readAllBytes();
                Answer a;
                synchronized (script) {
                    Deque<Answer> answers = script.get(key);
                    a = answers == null ? status(404, PROBLEM.formatted(404, key)) : answers.size() > 1 ? answers.poll() : answers.peek();
                }
                a.answer(exchange);
            });
            server.start();
        }

        String url() {
            return "http://localhost:" + server.getAddress().getPort();
        }

        void on(String key, Answer... answers) {
            synchronized (script) {
                script.put(key, new ArrayDeque<>(List.of(answers)));
            }
        }

        List<String> requests() {
            return requests;
        }

        List<Long> times() {
            return times;
        }

        static Answer status(int status, String body) {
            return exchange -> {
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", body.startsWith("{") ? "application/problem+json" : "text/plain");
                exchange.sendResponseHeaders(status, b.length);
                exchange.getResponseBody().write(b);
                exchange.close();
            };
        }

        static Answer retryAfter(int seconds) {
            return exchange -> {
                exchange.getResponseHeaders().set("Retry-After", Integer.toString(seconds));
                status(429, PROBLEM.formatted(429, "slow down")).answer(exchange);
            };
        }

        /** An event stream of these events, then its end. */
        static Answer events(String... events) {
            return exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                for (String e : events) {
                    out.write(("data:" + e + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                exchange.close();
            };
        }

        /** An event stream whose connection is cut after these bytes, without the end of the chunked body. */
        static Answer cut(String bytes) {
            return exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                byte[] b = bytes.getBytes(StandardCharsets.UTF_8);
                // a length longer than what is sent: the client sees the connection close short of it
                exchange.sendResponseHeaders(200, b.length + 100);
                exchange.getResponseBody().write(b);
                exchange.getResponseBody().flush();
                // short of its length: the server closes the connection
                exchange.close();
            };
        }

        /** An event stream that sends these events and then nothing, open until released. */
        static Answer silentAfter(CountDownLatch release, String... events) {
            return exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                for (String e : events) {
                    out.write(("data:" + e + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                try {
                    release.await(2, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                try {
                    exchange.close();
                } catch (RuntimeException gone) {
                    // the client left first
                }
            };
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
