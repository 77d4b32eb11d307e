package dev.thoughtline.generation;

import dev.thoughtline.testing.ContractServer;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import dev.thoughtline.testing.LocalPostgres;
import dev.thoughtline.testing.QuarkusProcess;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two generation-service processes, the packaged application as users run it, on one PostgreSQL: they share
 * a job's queue, one is killed with SIGKILL mid-job, and the other finishes it. Nothing is lost, nothing is
 * stored twice, and the teacher's concurrency limit holds across both (teacher-sim refuses any request
 * beyond it with 429).
 */
class WorkerCrashIT {

    private static final int LIMIT = 24;

    private LocalPostgres pg;
    private TeacherSim sim;
    private ContractServer inputs;
    private Process a;
    private Process b;

    @AfterEach
    void stop() {
        for (Process p : new Process[] {a, b}) {
            if (p != null) {
                p.destroyForcibly();
            }
        }
        if (inputs != null) {
            inputs.close();
        }
        if (sim != null) {
            sim.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void aWorkerKilledMidJobLosesNothingAndTheOtherFinishesWithoutDuplicates() throws Exception {
        pg = LocalPostgres.start();
        // about 50 ms per request; no waiting queue: past LIMIT requests at once it answers 429
        sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 50).with("tokens-sd", 5).with("itl-ms", 1)
                .with("max-num-seqs", LIMIT).with("max-waiting", 0));
        inputs = new ContractServer();
        int portA = QuarkusProcess.freePort();
        int portB = QuarkusProcess.freePort();
        a = launch("a", portA);
        b = launch("b", portB);
        String urlA = "http://localhost:" + portA;
        String urlB = "http://localhost:" + portB;
        QuarkusProcess.awaitReady(urlA, a, Duration.ofSeconds(60));
        QuarkusProcess.awaitReady(urlB, b, Duration.ofSeconds(60));

        RestAssured.baseURI = urlA;
        String teacher = Api.teacher(sim.baseUrl(), "teacher-sim", "{\"maxConcurrency\":" + LIMIT + "}", false);
        long id = Api.submit(Api.unique("crash"), inputs.questions(Api.unique("k"), 400), teacher, 4, "{}");

        RestAssured.baseURI = urlB;
        Api.awaitJob(id, Duration.ofMinutes(2), j -> j.getLong("done") >= 400);
        // both replicas were working the queue
        assertThat(requestsMadeBy(urlA)).isPositive();
        assertThat(requestsMadeBy(urlB)).isPositive();

        a.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs, its leases stay behind
        JsonPath job = Api.awaitStatus(id, "complete", Duration.ofMinutes(3));

        assertThat(job.getLong("done")).isEqualTo(1600);
        assertThat(job.getLong("failed")).isZero();
        List<Map<String, Object>> traces = Api.items(id, 500);
        assertThat(traces).hasSize(1600);
        Set<String> samples = new HashSet<>();
        traces.forEach(t -> samples.add(t.get("questionId") + "/" + t.get("sampleIndex")));
        assertThat(samples).hasSize(1600);
        // a killed worker may have asked for some samples again, but never more than it had leased
        assertThat(sim.requests()).isBetween(1600L, 1600L + 300);
        assertThat(sim.outcomes("429")).as("requests beyond the cluster-wide concurrency limit").isZero();
    }

    private Process launch(String name, int port) throws IOException {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertThat(jar).as("the packaged application (mvn package)").exists();
        // the production outbound policy, widened to the teacher and the input server on loopback
        String sim = this.sim.baseUrl().substring(0, this.sim.baseUrl().indexOf("/v1"));
        return QuarkusProcess.start(jar, port, pg, Map.of("THOUGHTLINE_WORKER_ID", name, "THOUGHTLINE_WORKER_LEASE", "3s",
                        "THOUGHTLINE_WORKER_POLL_INTERVAL", "50ms", "THOUGHTLINE_WORKER_CLAIM_BATCH", "16",
                        "THOUGHTLINE_OUTBOUND_ALLOW", sim + "," + inputs.origin()),
                Path.of("target", "it-logs", "worker-" + name + ".log"), "256m");
    }

    private static double requestsMadeBy(String url) {
        String metrics = RestAssured.given().baseUri(url).get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith("thoughtline_generation_requests_total{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
