package dev.thoughtline.generation;

import dev.thoughtline.testing.ContractServer;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.thoughtline.generation.Api.awaitStatus;
import static dev.thoughtline.generation.Api.items;
import static dev.thoughtline.generation.Api.submit;
import static dev.thoughtline.generation.Api.teacher;
import static dev.thoughtline.generation.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** Jobs end to end: the queue, the workers, teacher-sim over real HTTP, results through the dataset contract. */
@QuarkusTest
class JobEngineTest {

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
    void twoThousandSamplesAreEachStoredExactlyOnce() {
        try (TeacherSim sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 40).with("tokens-sd", 10))) {
            String teacher = teacher(sim.baseUrl(), "teacher-sim", "{\"maxConcurrency\":64}", false);
            String input = inputs.questions(unique("q"), 250);
            long id = submit(unique("job"), input, teacher, 8, "{\"temperature\":0.7}");

            JsonPath job = awaitStatus(id, "complete", Duration.ofMinutes(3));
            assertThat(job.getLong("total")).isEqualTo(2000);
            assertThat(job.getLong("done")).isEqualTo(2000);
            assertThat(job.getLong("failed")).isZero();
            assertThat(job.getLong("pending") + job.getLong("inFlight")).isZero();
            // nothing failed, so one request per sample: none was paid for twice
            assertThat(sim.requests()).isEqualTo(2000);
            assertThat(job.getLong("requests")).isEqualTo(2000);
            assertThat(job.getLong("completionTokens")).isPositive();
            assertThat(job.getDouble("cost")).isPositive();

            List<Map<String, Object>> traces = items(id, 300);
            assertThat(traces).hasSize(2000);
            Set<String> ids = new HashSet<>();
            Map<String, Integer> perQuestion = new java.util.HashMap<>();
            for (Map<String, Object> t : traces) {
                ids.add((String) t.get("id"));
                perQuestion.merge((String) t.get("questionId"), 1, Integer::sum);
                assertThat((String) t.get("reasoning")).isNotBlank();
                assertThat(t.get("finishReason")).isEqualTo("stop");
                assertThat(t.get("finalAnswer")).isNotNull();
                assertThat(t.get("teacher")).isEqualTo(teacher);
            }
            assertThat(ids).hasSize(2000);
            assertThat(perQuestion).hasSize(250).allSatisfy((q, n) -> assertThat(n).isEqualTo(8));
            // the samples of one question differ: each is sent with its own seed
            Set<String> reasonings = new HashSet<>();
            traces.stream().filter(t -> t.get("questionId").equals(traces.get(0).get("questionId")))
                    .forEach(t -> reasonings.add((String) t.get("reasoning")));
            assertThat(reasonings).hasSizeGreaterThan(1);
            assertThat(traces.get(0).get("metadata")).isInstanceOf(Map.class);
            assertThat(((Map<?, ?>) traces.get(0).get("metadata")).keySet().stream().map(String::valueOf).toList()).contains("answer", "domain", "source");

            JsonPath dataset = io.restassured.RestAssured.given().get("/api/v1/datasets/" + id).then().statusCode(200).extract().jsonPath();
            assertThat(dataset.getString("status")).isEqualTo("complete");
            assertThat(dataset.getString("kind")).isEqualTo("trace");
            assertThat(dataset.getLong("itemCount")).isEqualTo(2000);
            assertThat(dataset.getList("parents")).containsExactly(input);
        }
    }

    @Test
    void aJobCompletesThroughThirtyPercentMixedFailuresAndRecordsTheAttempts() {
        SimConfig faulty = SimConfig.defaults().with("tokens-mean", 30).with("tokens-sd", 5).with("itl-ms", 1)
                .with("rate-429", 0.06).with("retry-after-seconds", 1).with("rate-500", 0.06).with("rate-503", 0.06)
                .with("rate-drop", 0.06).with("rate-stall", 0.06).with("stall-ms", 5000).with("rate-truncate", 0.05);
        try (TeacherSim sim = TeacherSim.start(faulty)) {
            String teacher = teacher(sim.baseUrl(), "teacher-sim", "{\"maxConcurrency\":32}", false);
            long id = submit(unique("faulty"), inputs.questions(unique("f"), 100), teacher, 4, "{}");

            JsonPath job = awaitStatus(id, "complete", Duration.ofMinutes(3));
            assertThat(io.restassured.RestAssured.given().get("/api/v1/jobs/" + id + "/failures").then().statusCode(200)
                    .extract().jsonPath().getList("")).isEmpty();
            assertThat(job.getLong("done")).isEqualTo(400);
            assertThat(job.getLong("failed")).isZero();
            assertThat(job.getLong("failedRequests")).isGreaterThan(40);
            // every stored sample not from the cache took one successful request, and every failure was retried
            assertThat(job.getLong("requests")).isEqualTo(400 - job.getLong("cached") + job.getLong("failedRequests"));
            assertThat(sim.requests()).isGreaterThanOrEqualTo(job.getLong("requests"));

            List<Map<String, Object>> traces = items(id, 1000);
            assertThat(traces).hasSize(400);
            assertThat(traces.stream().map(t -> t.get("id")).distinct()).hasSize(400);
            // truncation is an answer, stored with its finish reason; a broken stream never is
            assertThat(traces).anySatisfy(t -> assertThat(t.get("finishReason")).isEqualTo("length"));
            assertThat(traces).allSatisfy(t -> assertThat(t.get("finishReason")).isIn("stop", "length"));
            // each sample records the requests it took; retried ones took more than one
            assertThat(traces).anySatisfy(t -> assertThat((Integer) t.get("attempts")).isGreaterThan(1));
            assertThat(traces.stream().mapToInt(t -> (Integer) t.get("attempts")).sum()).isEqualTo(job.getInt("requests"));
        }
    }

    @Test
    void aRepeatedJobIsAnsweredFromTheCacheAndCostsNoRequest() {
        try (TeacherSim sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 20).with("tokens-sd", 5))) {
            String teacher = teacher(sim.baseUrl(), "teacher-sim", "{\"maxConcurrency\":16}", false);
            String input = inputs.questions(unique("c"), 60);
            long first = submit(unique("first"), input, teacher, 2, "{\"temperature\":0.6,\"max_tokens\":500}");
            awaitStatus(first, "complete", Duration.ofMinutes(2));
            long paid = sim.requests();
            assertThat(paid).isEqualTo(120);

            long second = submit(unique("again"), input, teacher, 2, "{\"max_tokens\":500,\"temperature\":0.6}");
            JsonPath job = awaitStatus(second, "complete", Duration.ofMinutes(2));
            assertThat(sim.requests()).isEqualTo(paid);
            assertThat(job.getLong("done")).isEqualTo(120);
            assertThat(job.getLong("cached")).isEqualTo(120);
            assertThat(job.getLong("requests")).isZero();
            assertThat(job.getDouble("cost")).isZero();
            List<Map<String, Object>> a = items(first, 1000);
            List<Map<String, Object>> b = items(second, 1000);
            for (int i = 0; i < a.size(); i++) {
                assertThat(b.get(i).get("reasoning")).isEqualTo(a.get(i).get("reasoning"));
                assertThat(b.get(i).get("cached")).isEqualTo(true);
            }

            // other parameters are another request: paid for again
            long third = submit(unique("hotter"), input, teacher, 2, "{\"temperature\":0.9,\"max_tokens\":500}");
            awaitStatus(third, "complete", Duration.ofMinutes(2));
            assertThat(sim.requests()).isEqualTo(paid + 120);
        }
    }

    @Test
    void pauseStopsClaimingResumeFinishesAndCancelStopsForGood() {
        SimConfig slow = SimConfig.defaults().with("tokens-mean", 20).with("tokens-sd", 0).with("itl-ms", 10);
        try (TeacherSim sim = TeacherSim.start(slow)) {
            String teacher = teacher(sim.baseUrl(), "teacher-sim", "{\"maxConcurrency\":4}", false);
            long id = submit(unique("pausable"), inputs.questions(unique("p"), 100), teacher, 1, "{}");
            Api.awaitJob(id, Duration.ofMinutes(1), j -> j.getLong("done") >= 8);

            JsonPath paused = io.restassured.RestAssured.given().post("/api/v1/jobs/" + id + "/pause").then().statusCode(200)
                    .extract().jsonPath();
            assertThat(paused.getString("status")).isEqualTo("paused");
            Api.sleep(1000); // requests in flight finish and are stored
            long settled = Api.job(id).getLong("done");
            long requests = sim.requests();
            Api.sleep(1500);
            assertThat(Api.job(id).getLong("done")).isEqualTo(settled);
            assertThat(sim.requests()).isEqualTo(requests);
            assertThat(settled).isLessThan(100);
            io.restassured.RestAssured.given().post("/api/v1/jobs/" + id + "/pause").then().statusCode(200);
            io.restassured.RestAssured.given().get("/api/v1/datasets/" + id).then().statusCode(200)
                    .body("status", org.hamcrest.Matchers.equalTo("building"));

            io.restassured.RestAssured.given().post("/api/v1/jobs/" + id + "/resume").then().statusCode(200)
                    .body("status", org.hamcrest.Matchers.equalTo("running"));
            JsonPath done = awaitStatus(id, "complete", Duration.ofMinutes(2));
            assertThat(done.getLong("done")).isEqualTo(100);
            assertThat(sim.requests()).isEqualTo(100);
            io.restassured.RestAssured.given().post("/api/v1/jobs/" + id + "/resume").then().statusCode(409)
                    .contentType("application/problem+json");

            long other = submit(unique("cancellable"), inputs.questions(unique("x"), 200), teacher, 1, "{}");
            Api.awaitJob(other, Duration.ofMinutes(1), j -> j.getLong("done") >= 4);
            io.restassured.RestAssured.given().post("/api/v1/jobs/" + other + "/cancel").then().statusCode(200)
                    .body("status", org.hamcrest.Matchers.equalTo("cancelled"));
            Api.sleep(1500);
            long after = sim.requests();
            JsonPath cancelled = Api.job(other);
            Api.sleep(1000);
            assertThat(sim.requests()).isEqualTo(after);
            assertThat(cancelled.getLong("pending") + cancelled.getLong("inFlight")).isZero();
            assertThat(cancelled.getLong("done")).isLessThan(200);
            io.restassured.RestAssured.given().get("/api/v1/datasets/" + other).then().statusCode(200)
                    .body("status", org.hamcrest.Matchers.equalTo("failed"));
            io.restassured.RestAssured.given().post("/api/v1/jobs/" + other + "/resume").then().statusCode(409);
        }
    }
}
