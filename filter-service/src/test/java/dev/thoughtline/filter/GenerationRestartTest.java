package dev.thoughtline.filter;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.support.GenerationClient;
import dev.thoughtline.support.Retries;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import dev.thoughtline.testing.ContractServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The real generation-service killed with SIGKILL and started again on the same port and database while its callers
 * wait: a client following a job, a submission made during the outage, and a filter run in its LLM step all carry
 * on once it is back. Its job queue is in PostgreSQL, so the job survives the restart; the callers must too.
 */
@QuarkusTest
class GenerationRestartTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ContractServer inputs = Inputs.server();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static TeacherSim slow;
    static String teacher;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(GenerationServiceResource.url != null, "generation-service is not packaged: run ./mvnw verify");
        // 150 ms an answer, one at a time: a job of 60 questions takes nine seconds of the teacher's time
        slow = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 20).with("tokens-sd", 5).with("ttft-ms", 150));
        teacher = "slow-" + System.nanoTime();
        String body = "{\"name\":\"" + teacher + "\",\"baseUrl\":\"" + slow.baseUrl() + "\",\"model\":\"" + slow.config().model()
                + "\",\"limits\":{\"maxConcurrency\":1}}";
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(GenerationServiceResource.url + "/api/v1/teachers"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        if (slow != null) {
            slow.close();
        }
    }

    /** Retries that outlast a restart of a few seconds with time to spare, coming back within a second of it. */
    static GenerationClient client() {
        return new GenerationClient(GenerationServiceResource.url, HTTP, JSON, new GenerationClient.Settings(
                new Retries.Settings(200, Duration.ofMinutes(2), Duration.ofMillis(100), Duration.ofSeconds(1)),
                Duration.ofSeconds(10), Duration.ofSeconds(2)));
    }

    static String questions(String prefix, int n) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(JSON.createObjectNode().put("id", prefix + i).put("text", "What is " + i + " + " + (i + 3) + "?").put("domain", "math").toString());
        }
        return inputs.add(lines, "complete");
    }

    @Test
    void aWaitOnAJobOutlivesGenerationServiceKilledAndStartedAgain() throws Exception {
        GenerationClient client = client();
        GenerationClient.Job job = client.submit("restart-wait", questions("w", 60), teacher, "{{text}}", 1, null);
        List<GenerationClient.Job> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<GenerationClient.Job> wait = CompletableFuture.supplyAsync(() -> client.await(job, Duration.ofMinutes(4), seen::add));
        // the client follows the job's event stream, and the job has loaded its input and answers come in
        awaitUntil(() -> seen.stream().anyMatch(j -> j.done() > 0), "the client reads the job's progress");

        GenerationServiceResource.process.kill();
        // what the client had seen when generation-service died: the job was not finished
        int before = seen.size();
        assertThat(seen.get(before - 1).finished()).isFalse();
        assertThat(wait).isNotDone();
        TimeUnit.SECONDS.sleep(4);
        assertThat(wait).as("no answer while generation-service is down").isNotDone();
        GenerationServiceResource.process.restart();

        GenerationClient.Job done = wait.get(3, TimeUnit.MINUTES);
        assertThat(done.status()).isEqualTo("complete");
        assertThat(done.done()).isEqualTo(60);
        assertThat(done.failed()).isZero();
        // and the states read after the restart were the same job's, carried on from where it was
        assertThat(seen.subList(before, seen.size())).isNotEmpty().allSatisfy(j -> assertThat(j.id()).isEqualTo(job.id()));
        assertThat(seen.get(before).done()).isGreaterThanOrEqualTo(seen.get(before - 1).done());
    }

    @Test
    void aSubmissionDuringTheOutageIsAnsweredOnceGenerationServiceIsBack() throws Exception {
        GenerationClient client = client();
        String input = questions("s", 3);
        GenerationServiceResource.process.kill();
        CompletableFuture<GenerationClient.Job> submitted = CompletableFuture.supplyAsync(
                () -> client.submit("restart-submit", input, teacher, "{{text}}", 1, null));
        TimeUnit.SECONDS.sleep(3);
        assertThat(submitted).as("nothing answers while generation-service is down").isNotDone();
        GenerationServiceResource.process.restart();

        GenerationClient.Job job = submitted.get(2, TimeUnit.MINUTES);
        assertThat(job.id()).isPositive();
        // a submission is idempotent by name: the same again is the same job, and the retried one made no other
        assertThat(client.submit("restart-submit", input, teacher, "{{text}}", 1, null).id()).isEqualTo(job.id());
        assertThat(client.await(job, Duration.ofMinutes(2), null).status()).isEqualTo("complete");
        // another request under the name is refused, once: a 409 is an answer
        assertThatThrownBy(() -> client.submit("restart-submit", input, teacher, "{{text}} again", 1, null))
                .isInstanceOf(GenerationClient.GenerationException.class).hasMessageContaining("answered 409");
    }

    @Test
    void aFilterRunInItsLlmStepOutlivesGenerationServiceKilledAndStartedAgain() throws Exception {
        String input = questions("f", 30);
        long run = given().contentType(ContentType.JSON).body("{\"name\":\"restart-run\",\"input\":\"" + input + "\",\"steps\":["
                        + "{\"type\":\"response-length\",\"params\":{\"teacher\":\"" + teacher + "\"},\"keep\":{\"topFraction\":0.5}}]}")
                .post("/api/v1/filter-runs").then().statusCode(202).extract().jsonPath().getLong("id");
        // the step's job is running on generation-service, its input loaded
        long[] job = {-1};
        awaitUntil(() -> {
            for (Map<String, Object> j : given().baseUri(GenerationServiceResource.url).get("/api/v1/jobs").then().statusCode(200)
                    .extract().jsonPath().<Map<String, Object>>getList("")) {
                if ("filter-restart-run-response-length".equals(j.get("name")) && "running".equals(j.get("status"))
                        && Boolean.TRUE.equals(j.get("inputLoaded"))) {
                    job[0] = ((Number) j.get("id")).longValue();
                }
            }
            return job[0] > 0;
        }, "the LLM step's generation job runs");

        GenerationServiceResource.process.kill();
        TimeUnit.SECONDS.sleep(4);
        assertThat(given().get("/api/v1/filter-runs/" + run).then().extract().jsonPath().getString("status"))
                .as("the run waits while generation-service is down").isEqualTo("running");
        GenerationServiceResource.process.restart();

        Map<String, Object> view = Runs.await(run);
        assertThat(view.get("status")).as(String.valueOf(view.get("error"))).isEqualTo("complete");
        assertThat(view.get("keptCount")).isEqualTo(15);
        Map<String, Object> j = given().baseUri(GenerationServiceResource.url).get("/api/v1/jobs/" + job[0]).then().statusCode(200)
                .extract().jsonPath().getMap("");
        assertThat(j).containsEntry("status", "complete").containsEntry("done", 30);
    }

    static void awaitUntil(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within a minute");
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
