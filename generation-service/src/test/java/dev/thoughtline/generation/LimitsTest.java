package dev.thoughtline.generation;

import dev.thoughtline.testing.ContractServer;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static dev.thoughtline.generation.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Rate limits, the circuit breaker, {@code n}, progress events and accounting, against teacher-sim over HTTP. */
@QuarkusTest
class LimitsTest {

    static ContractServer inputs;

    @BeforeAll
    static void start() {
        inputs = new ContractServer();
    }

    @AfterAll
    static void stop() {
        inputs.close();
    }

    @Test
    void requestsAndTokensPerMinuteHoldWithinTenPercentOverAWindow() {
        try (TeacherSim byRequests = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 20).with("tokens-sd", 2));
             TeacherSim byTokens = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 100).with("tokens-sd", 10))) {
            // 600 requests/min: 10 per second
            String rpm = Api.teacher(byRequests.baseUrl(), "teacher-sim", "{\"rpm\":600,\"maxConcurrency\":64}", false);
            // 30,000 tokens/min: 500 per second, about 4 requests of ~115 tokens
            String tpm = Api.teacher(byTokens.baseUrl(), "teacher-sim", "{\"tpm\":30000,\"maxConcurrency\":64}", false);
            Api.submit(unique("rpm"), inputs.questions(unique("r"), 400), rpm, 1, "{}");
            Api.submit(unique("tpm"), inputs.questions(unique("t"), 400), tpm, 1, "{}");

            Api.sleep(3000); // past the first burst: a bucket starts full
            long requests0 = byRequests.requests();
            long tokens0 = tokens(byTokens);
            long t0 = System.nanoTime();
            Api.sleep(12_000);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double requestRate = (byRequests.requests() - requests0) / seconds;
            double tokenRate = (tokens(byTokens) - tokens0) / seconds;

            System.out.printf("rate limits over %.1f s: %.2f requests/s (limit 10), %.0f tokens/s (limit 500)%n", seconds, requestRate, tokenRate);
            assertThat(requestRate).as("requests per second against 600/min").isCloseTo(10.0, within(1.0));
            assertThat(tokenRate).as("tokens per second against 30,000/min").isCloseTo(500.0, within(50.0));
        }
    }

    /** Prompt plus completion tokens teacher-sim has served, from its vLLM metrics. */
    private static long tokens(TeacherSim sim) {
        String metrics = RestAssured.given().baseUri(sim.baseUrl().replace("/v1", "")).get("/metrics").asString();
        return metrics.lines().filter(l -> l.startsWith("vllm:prompt_tokens_total") || l.startsWith("vllm:generation_tokens_total"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void aJobWhoseTeacherIsDownWaitsAndFinishesWhenItReturns() {
        TeacherSim sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 20).with("itl-ms", 2));
        int port = sim.port();
        String teacher = Api.teacher(sim.baseUrl(), "teacher-sim", "{\"maxConcurrency\":4}", false);
        long id = Api.submit(unique("outage"), inputs.questions(unique("o"), 300), teacher, 1, "{}");
        Api.awaitJob(id, Duration.ofMinutes(1), j -> j.getLong("done") >= 10);
        sim.close();

        // down for several breaker periods: many probes fail, and no task is burnt into a failure
        Api.sleep(4000);
        JsonPath waiting = Api.job(id);
        assertThat(waiting.getString("status")).isEqualTo("running");
        assertThat(waiting.getLong("failed")).isZero();
        assertThat(waiting.getString("teacherCircuit")).startsWith("open").contains("cannot reach");

        try (TeacherSim back = TeacherSim.start(SimConfig.defaults().with("port", port).with("tokens-mean", 20))) {
            JsonPath done = Api.awaitStatus(id, "complete", Duration.ofMinutes(2));
            assertThat(done.getLong("done")).isEqualTo(300);
            assertThat(done.getLong("failed")).isZero();
            assertThat(done.getLong("failedRequests")).isPositive();
            assertThat(done.getString("teacherCircuit")).isEqualTo("closed");
        }
    }

    @Test
    void aTeacherThatSupportsNAnswersAllSamplesOfAnItemInOneRequest() {
        try (TeacherSim sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 20))) {
            String teacher = Api.teacher(sim.baseUrl(), "teacher-sim", "{\"maxConcurrency\":8}", true);
            long id = Api.submit(unique("n"), inputs.questions(unique("n"), 30), teacher, 4, "{}");
            JsonPath job = Api.awaitStatus(id, "complete", Duration.ofMinutes(1));
            assertThat(job.getLong("done")).isEqualTo(120);
            assertThat(sim.requests()).isEqualTo(30);
            assertThat(job.getLong("requests")).isEqualTo(30);
            List<Map<String, Object>> traces = Api.items(id, 1000);
            Set<String> firstQuestion = new HashSet<>();
            traces.stream().filter(t -> t.get("questionId").equals(traces.get(0).get("questionId")))
                    .forEach(t -> firstQuestion.add((String) t.get("reasoning")));
            assertThat(firstQuestion).hasSize(4);
        }
    }

    @Test
    void progressEventsStreamUntilTheJobEndsAndUsageAddsUpPerTeacher() throws Exception {
        try (TeacherSim sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 20).with("itl-ms", 5))) {
            String teacher = Api.teacher(sim.baseUrl(), "teacher-sim", "{\"maxConcurrency\":4}", false);
            long id = Api.submit(unique("events"), inputs.questions(unique("e"), 40), teacher, 1, "{}");

            HttpRequest req = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/api/v1/jobs/" + id + "/events"))
                    .header("Accept", "text/event-stream").timeout(Duration.ofMinutes(2)).build();
            HttpResponse<Stream<String>> res = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofLines());
            assertThat(res.statusCode()).isEqualTo(200);
            List<JsonPath> events = new ArrayList<>();
            res.body().filter(l -> l.startsWith("data:")).forEach(l -> events.add(JsonPath.from(l.substring(5))));

            assertThat(events.size()).isGreaterThan(1);
            assertThat(events.get(events.size() - 1).getString("status")).as(events.get(events.size() - 1).prettify()).isEqualTo("complete");
            assertThat(events.get(events.size() - 1).getLong("done")).as(events.get(events.size() - 1).prettify()).isEqualTo(40);
            assertThat(events.get(events.size() - 1).getLong("done")).isEqualTo(40);
            for (int i = 1; i < events.size(); i++) {
                assertThat(events.get(i).getLong("done")).isGreaterThanOrEqualTo(events.get(i - 1).getLong("done"));
            }
            JsonPath job = Api.job(id);
            assertThat(job.getDouble("tokensPerSecond")).isPositive();
            // prices are 1 and 2 dollars per million prompt and completion tokens
            assertThat(job.getDouble("cost")).isCloseTo((job.getLong("promptTokens") + 2.0 * job.getLong("completionTokens")) / 1e6, within(1e-9));

            long teacherId = RestAssured.given().get("/api/v1/teachers").then().extract().jsonPath()
                    .getLong("find { it.name == '" + teacher + "' }.id");
            JsonPath usage = RestAssured.given().get("/api/v1/teachers/" + teacherId + "/usage").then().statusCode(200).extract().jsonPath();
            assertThat(usage.getLong("jobs")).isEqualTo(1);
            assertThat(usage.getLong("requests")).isEqualTo(40);
            assertThat(usage.getLong("completionTokens")).isEqualTo(job.getLong("completionTokens"));
        }
    }
}
