package dev.thoughtline.generation.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The teacher client against teacher-sim over real HTTP. */
class TeacherClientTest {

    private Vertx vertx;
    private TeacherSim sim;
    private TeacherClient client;

    @BeforeEach
    void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (sim != null) {
            sim.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private TeacherClient connect(Map<String, String> simSettings, String model, int concurrency, Duration idle) {
        sim = TeacherSim.start(SimConfig.defaults().with(simSettings));
        client = new TeacherClient(vertx, new ObjectMapper(), new TeacherClient.Endpoint(URI.create(sim.baseUrl()), model,
                "sk-test", concurrency, Duration.ofSeconds(30), idle, Duration.ofSeconds(5), 1 << 20, 4 << 20));
        return client;
    }

    private static Completion await(Uni<Completion> call) {
        return call.await().atMost(Duration.ofSeconds(30));
    }

    private static TeacherException failure(Uni<Completion> call) {
        return catchThrowableOfType(TeacherException.class, () -> call.await().atMost(Duration.ofSeconds(30)));
    }

    private static ChatRequest question(String q, int n) {
        return ChatRequest.user("Think step by step.", q, n, Map.of("temperature", 0.7, "max_tokens", 32768, "seed", 3));
    }

    @Test
    void assemblesAStreamedAnswerWithItsReasoningAndUsage() {
        connect(Map.of("accuracy", "1", "itl-ms", "1"), "teacher-sim", 4, Duration.ofSeconds(10));
        Completion c = await(client.complete(question("What is 7 * 8?", 1)));
        assertThat(c.choices()).hasSize(1);
        Completion.Choice choice = c.choices().get(0);
        assertThat(choice.reasoning()).isNotBlank().doesNotContain("boxed");
        assertThat(choice.content()).isEqualTo("So the final answer is \\boxed{56}.");
        assertThat(choice.finishReason()).isEqualTo("stop");
        assertThat(c.completionTokens()).isGreaterThan(8);
        assertThat(c.promptTokens()).isGreaterThan(0);
        assertThat(c.firstTokenMs()).isBetween(0L, c.latencyMs());
    }

    @Test
    void takesTheReasoningOutOfThinkTagsAndReturnsEverySample() {
        connect(Map.of("accuracy", "1", "think-tags", "true"), "teacher-sim", 4, Duration.ofSeconds(10));
        Completion c = await(client.complete(question("What is 10 - 4?", 3)));
        assertThat(c.choices()).hasSize(3).allSatisfy(ch -> {
            assertThat(ch.reasoning()).isNotBlank().doesNotContain("<think>").doesNotContain("</think>");
            assertThat(ch.content()).isEqualTo("So the final answer is \\boxed{6}.");
        });
    }

    @Test
    void aTruncatedAnswerCompletesWithFinishReasonLength() {
        connect(Map.of("rate-truncate", "1"), "teacher-sim", 4, Duration.ofSeconds(10));
        Completion c = await(client.complete(question("1 + 1", 1)));
        assertThat(c.choices().get(0).finishReason()).isEqualTo("length");
    }

    @Test
    void rateLimitsCarryRetryAfterAndServerErrorsAreRetryable() {
        connect(Map.of("rate-429", "1", "retry-after-seconds", "4"), "teacher-sim", 4, Duration.ofSeconds(10));
        TeacherException limited = failure(client.complete(question("1 + 1", 1)));
        assertThat(limited.kind()).isEqualTo(TeacherException.Kind.RATE_LIMITED);
        assertThat(limited.retryAfter()).isEqualTo(Duration.ofSeconds(4));
        assertThat(limited.retryable()).isTrue();
        client.close();
        sim.close();
        connect(Map.of("rate-503", "1"), "teacher-sim", 4, Duration.ofSeconds(10));
        TeacherException down = failure(client.complete(question("1 + 1", 1)));
        assertThat(down.kind()).isEqualTo(TeacherException.Kind.SERVER_ERROR);
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.retryable()).isTrue();
    }

    @Test
    void anyOtherClientErrorIsFinalAndKeepsTheProvidersMessage() {
        connect(Map.of(), "no-such-model", 4, Duration.ofSeconds(10));
        TeacherException e = failure(client.complete(question("1 + 1", 1)));
        assertThat(e.kind()).isEqualTo(TeacherException.Kind.REJECTED);
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("The model `no-such-model` does not exist.");
        assertThat(e.getMessage()).doesNotContain("sk-test");
    }

    @Test
    void aStreamThatDropsHalfWayIsNeverAComplete() {
        connect(Map.of("rate-drop", "1", "itl-ms", "1"), "teacher-sim", 4, Duration.ofSeconds(10));
        TeacherException e = failure(client.complete(question("1 + 1", 1)));
        assertThat(e.kind()).isIn(TeacherException.Kind.CONNECTION, TeacherException.Kind.BROKEN_STREAM);
        assertThat(e.retryable()).isTrue();
    }

    @Test
    void aStallLongerThanTheIdleTimeoutFailsAsIdleTimeoutWithoutWaitingForTheStall() {
        connect(Map.of("rate-stall", "1", "stall-ms", "20000"), "teacher-sim", 4, Duration.ofMillis(400));
        long t0 = System.nanoTime();
        TeacherException e = failure(client.complete(question("1 + 1", 1)));
        assertThat(e.kind()).isEqualTo(TeacherException.Kind.IDLE_TIMEOUT);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
    }

    @Test
    void anUnreachableTeacherIsAConnectionFailure() {
        client = new TeacherClient(vertx, new ObjectMapper(), new TeacherClient.Endpoint(URI.create("http://127.0.0.1:1/v1"),
                "m", null, 2, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(2), 1 << 20, 4 << 20));
        TeacherException e = failure(client.complete(question("1 + 1", 1)));
        assertThat(e.kind()).isEqualTo(TeacherException.Kind.CONNECTION);
    }

    @Test
    void theConnectionPoolIsAsLargeAsTheTeachersConcurrency() throws Exception {
        connect(Map.of("ttft-ms", "800"), "teacher-sim", 2, Duration.ofSeconds(10));
        List<Uni<Completion>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(client.complete(question(i + " + 1", 1)).memoize().indefinitely());
        }
        calls.forEach(u -> u.subscribe().with(x -> { }, e -> { }));
        Thread.sleep(400);
        assertThat(sim.requests()).isEqualTo(2);
        for (Uni<Completion> u : calls) {
            assertThat(await(u).choices()).hasSize(1);
        }
        assertThat(sim.requests()).isEqualTo(5);
    }

    @Test
    void aSlowFirstTokenWithinItsTimeoutIsNotAnIdleTimeout() {
        connect(Map.of("ttft-ms", "900", "accuracy", "1"), "teacher-sim", 2, Duration.ofMillis(300));
        assertThat(await(client.complete(question("2 + 2", 1))).choices().get(0).content()).endsWith("\\boxed{4}.");
    }

    @Test
    void aCancelledCallGivesItsConnectionBack() throws Exception {
        connect(Map.of("ttft-ms", "60000"), "teacher-sim", 1, Duration.ofSeconds(120));
        var subscription = client.complete(question("1 + 1", 1)).subscribe().with(x -> { }, e -> { });
        Thread.sleep(300);
        subscription.cancel();
        long deadline = System.currentTimeMillis() + 5_000;
        while (sim.outcomes("cancelled") == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(sim.outcomes("cancelled")).as("the teacher saw the request go away").isEqualTo(1);
    }

    /**
     * A hostile or broken teacher on a Vert.x server of its own: {@code answer} writes the response. Returns the
     * client, with limits of 64 KiB a line and 100,000 characters a sample.
     */
    private TeacherClient hostile(io.vertx.core.Handler<io.vertx.core.http.HttpServerResponse> answer) throws Exception {
        io.vertx.core.http.HttpServer server = vertx.createHttpServer()
                .requestHandler(req -> req.body().onSuccess(b -> answer.handle(req.response())));
        int port = server.listen(0).toCompletionStage().toCompletableFuture().get().actualPort();
        client = new TeacherClient(vertx, new ObjectMapper(), new TeacherClient.Endpoint(URI.create("http://127.0.0.1:" + port + "/v1"),
                "m", "sk-hostile", 2, Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(2), 64 * 1024, 100_000));
        return client;
    }

    /** Writes {@code times} pieces made by {@code piece}, one after the other as the connection drains, while it stays open. */
    private static void stream(io.vertx.core.http.HttpServerResponse res, int times, java.util.function.IntFunction<String> piece) {
        if (times == 0 || res.closed()) {
            return;
        }
        res.write(piece.apply(times)).onComplete(done -> stream(res, times - 1, piece));
    }

    @Test
    void anErrorBodyOfAnySizeIsReadOnlyForItsStartAndEchoedAsAShortLine() throws Exception {
        hostile(res -> {
            res.setStatusCode(400).setChunked(true);
            stream(res, 10_000, i -> i == 10_000 ? "\u001b[2J key sk-hostile leaked\n" + "x".repeat(1000) : "y".repeat(1000));
        });
        TeacherException e = failure(client.complete(question("1 + 1", 1)));
        assertThat(e.kind()).isEqualTo(TeacherException.Kind.REJECTED);
        assertThat(e.getMessage()).contains("key *** leaked").doesNotContain("sk-hostile").doesNotContain("\n")
                .doesNotContain("\u001b").hasSizeLessThan(400);
    }

    @Test
    void aStreamLineWithoutANewlineFailsAsTooLargeOnceItPassesTheLimit() throws Exception {
        hostile(res -> {
            res.setChunked(true).putHeader("Content-Type", "text/event-stream");
            stream(res, 10_000, i -> i == 10_000 ? "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" : "a".repeat(1000));
        });
        TeacherException e = failure(client.complete(question("1 + 1", 1)));
        assertThat(e.kind()).isEqualTo(TeacherException.Kind.TOO_LARGE);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("line");
    }

    @Test
    void aDegenerateAnswerFailsAsTooLargeOnceItPassesTheSampleLimit() throws Exception {
        hostile(res -> {
            res.setChunked(true).putHeader("Content-Type", "text/event-stream");
            stream(res, 100_000, i -> "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + "the the the ".repeat(10) + "\"}}]}\n\n");
        });
        TeacherException e = failure(client.complete(question("1 + 1", 1)));
        assertThat(e.kind()).isEqualTo(TeacherException.Kind.TOO_LARGE);
        assertThat(e.getMessage()).contains("100000 characters");
    }

    @Test
    void theEndpointNeverPrintsItsKey() {
        TeacherClient.Endpoint e = new TeacherClient.Endpoint(URI.create("http://t/v1"), "m", "sk-secret", 1,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), 1 << 20, 4 << 20);
        assertThat(e.toString()).doesNotContain("sk-secret").contains("apiKey=***");
    }

    @Test
    void readsRetryAfterInSecondsOrAsADate() {
        assertThat(TeacherClient.retryAfter("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(TeacherClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Duration.ZERO);
        assertThat(TeacherClient.retryAfter("soon")).isNull();
        assertThat(TeacherClient.retryAfter(null)).isNull();
    }
}
