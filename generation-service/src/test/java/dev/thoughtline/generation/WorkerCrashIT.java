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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two generation-service processes, the packaged application as users run it, on one PostgreSQL: they share
 * a job's queue, one is killed with SIGKILL while it holds leases, and the other finishes it. Nothing is lost,
 * nothing is stored twice, and the teacher's concurrency limit holds across both (teacher-sim refuses any request
 * beyond it with 429). The test waits for the states it needs (both replicas working the queue, the one to kill
 * holding leases) and checks after the kill that the dead replica's leases were left behind, so that it proves the
 * same thing every run.
 */
class WorkerCrashIT {

    private static final int LIMIT = 24;
    /** Each replica's own cap: neither can hold all of the teacher's slots, and together they could ask for more. */
    private static final int PER_REPLICA = 16;
    private static final int SAMPLES = 1600;

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
        // about 100 ms per request; no waiting queue: past LIMIT requests at once it answers 429
        sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 50).with("tokens-sd", 5).with("itl-ms", 2)
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
        // a replica takes a new teacher up at its next look at the teachers (every 5 s): both have it before the job
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!(hasLane(urlA, teacher) && hasLane(urlB, teacher))) {
            assertThat(System.nanoTime()).as("both replicas take the teacher up within a minute").isLessThan(deadline);
            Api.sleep(50);
        }
        long id = Api.submit(Api.unique("crash"), inputs.questions(Api.unique("k"), SAMPLES / 4), teacher, 4, "{}");

        // both replicas work the queue, and the one to kill holds leases; half the job at least is still to do
        RestAssured.baseURI = urlB;
        deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!(requestsMadeBy(urlA) > 0 && requestsMadeBy(urlB) > 0 && leasesHeldBy("a") > 0)) {
            assertThat(Api.job(id).getLong("done")).as("done before both replicas were seen working").isLessThan(SAMPLES / 2);
            assertThat(System.nanoTime()).as("both replicas working within two minutes").isLessThan(deadline);
            Api.sleep(20);
        }

        double madeByA = requestsMadeBy(urlA);
        double madeByB = requestsMadeBy(urlB);
        a.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs, its leases stay behind
        // what it held when it died: still leased to it, until the leases expire and the survivor takes them
        long orphaned = leasesHeldBy("a");
        long doneAtKill = Api.job(id).getLong("done");
        System.out.printf("WorkerCrashIT: a killed holding %d samples, %d of %d done; requests so far a %.0f, b %.0f%n",
                orphaned, doneAtKill, SAMPLES, madeByA, madeByB);
        assertThat(orphaned).as("samples leased to the killed replica").isPositive();
        JsonPath job = Api.awaitStatus(id, "complete", Duration.ofMinutes(3));

        assertThat(job.getLong("done")).isEqualTo(SAMPLES);
        assertThat(job.getLong("failed")).isZero();
        assertThat(leasesHeldBy("a")).as("the dead replica's leases, all taken over").isZero();
        List<Map<String, Object>> traces = Api.items(id, 500);
        assertThat(traces).hasSize(SAMPLES);
        Set<String> samples = new HashSet<>();
        traces.forEach(t -> samples.add(t.get("questionId") + "/" + t.get("sampleIndex")));
        assertThat(samples).hasSize(SAMPLES);
        // a killed worker may have had some samples asked twice, but never more than it had leased
        assertThat(sim.requests()).isBetween((long) SAMPLES, SAMPLES + orphaned);
        assertThat(sim.outcomes("429")).as("requests beyond the cluster-wide concurrency limit").isZero();
    }

    /** Samples leased to a worker: its leased task rows and the samples of its ranges not settled yet. */
    private long leasesHeldBy(String owner) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), LocalPostgres.USER, LocalPostgres.PASSWORD);
             PreparedStatement s = c.prepareStatement("SELECT (SELECT count(*) FROM task WHERE lease_owner = ? AND state = 'leased')"
                     + " + (SELECT coalesce(sum(open), 0) FROM task_range WHERE owner = ?)")) {
            s.setString(1, owner);
            s.setString(2, owner);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private Process launch(String name, int port) throws IOException {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertThat(jar).as("the packaged application (mvn package)").exists();
        // the production outbound policy, widened to the teacher and the input server on loopback
        String sim = this.sim.baseUrl().substring(0, this.sim.baseUrl().indexOf("/v1"));
        return QuarkusProcess.start(jar, port, pg, Map.of("THOUGHTLINE_WORKER_ID", name, "THOUGHTLINE_WORKER_LEASE", "3s",
                        "THOUGHTLINE_WORKER_POLL_INTERVAL", "50ms", "THOUGHTLINE_WORKER_CLAIM_BATCH", "16",
                        "THOUGHTLINE_WORKER_MAX_IN_FLIGHT", Integer.toString(PER_REPLICA),
                        "THOUGHTLINE_OUTBOUND_ALLOW", sim + "," + inputs.origin()),
                Path.of("target", "it-logs", "worker-" + name + ".log"), "256m");
    }

    private static boolean hasLane(String url, String teacher) {
        return metrics(url).lines().anyMatch(l -> l.startsWith("thoughtline_generation_teacher_in_flight_requests{")
                && l.contains("teacher=\"" + teacher + "\""));
    }

    private static String metrics(String url) {
        return RestAssured.given().baseUri(url).get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static double requestsMadeBy(String url) {
        return metrics(url).lines().filter(l -> l.startsWith("thoughtline_generation_requests_total{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
