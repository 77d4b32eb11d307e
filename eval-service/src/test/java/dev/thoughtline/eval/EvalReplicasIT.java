package dev.thoughtline.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import dev.thoughtline.testing.GenerationServiceProcess;
import dev.thoughtline.testing.JsonHttp;
import dev.thoughtline.testing.LocalPostgres;
import dev.thoughtline.testing.QuarkusProcess;
import dev.thoughtline.testing.RoundRobinProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * eval-service as two replicas on one database behind one address, the packaged jars as processes, with the real
 * generation-service and teacher-sim: a replica started mid-run does not drive it again, and a run whose replica is
 * killed mid-job is finished by the other with the scores of an undisturbed run.
 */
class EvalReplicasIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final int ITEMS = 60;

    private LocalPostgres pg;
    private GenerationServiceProcess generation;
    private TeacherSim sim;
    private RoundRobinProxy proxy;
    private final List<Process> replicas = new ArrayList<>();
    private final int[] ports = new int[2];

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(JAR), "eval-service is not packaged");
        generation = GenerationServiceProcess.startIfBuilt(Map.of());
        Assumptions.assumeTrue(generation != null, "generation-service is not packaged");
        // right half the time, about a second a request, 8 at a time: a run takes some seconds
        sim = TeacherSim.start(SimConfig.defaults().with("accuracy", 0.5).with("tokens-mean", 100).with("tokens-sd", 20).with("itl-ms", 8));
        pg = LocalPostgres.start();
        ports[0] = QuarkusProcess.freePort();
        ports[1] = QuarkusProcess.freePort();
        proxy = new RoundRobinProxy(List.of(ports[0], ports[1]));
        HttpResponse<String> r = JsonHttp.post(generation.url() + "/api/v1/teachers", "application/json", "{\"name\":\"sim\",\"baseUrl\":\"" + sim.baseUrl()
                + "\",\"model\":\"" + SimConfig.defaults().model() + "\",\"limits\":{\"maxConcurrency\":8}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        replicas.forEach(Process::destroyForcibly);
        for (AutoCloseable c : new AutoCloseable[] {proxy, sim, generation, pg}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // stopping
            }
        }
    }

    private Process replica(int i) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("THOUGHTLINE_PUBLIC_URL", proxy.url());
        env.put("THOUGHTLINE_GENERATION_URL", generation.url());
        env.put("THOUGHTLINE_LEASES_OWNER", "replica-" + i);
        env.put("THOUGHTLINE_LEASES_DURATION", "3s");
        env.put("THOUGHTLINE_LEASES_SCAN_INTERVAL", "300ms");
        // everything here is on loopback; the outbound policy is not what this test is about
        env.put("THOUGHTLINE_OUTBOUND_PRIVATE", "allow");
        Process p = QuarkusProcess.start(JAR, ports[i], pg, env, log(i), "256m");
        replicas.add(p);
        QuarkusProcess.awaitReady("http://localhost:" + ports[i], p, Duration.ofSeconds(90));
        return p;
    }

    private static Path log(int i) {
        return Path.of("target", "it-logs", "eval-replica-" + i + ".log");
    }

    /** A benchmark of arithmetic questions and a model answered by teacher-sim, through {@code base}. */
    private void benchmarkAndModel(String base) throws Exception {
        StringBuilder body = new StringBuilder();
        Random r = new Random(3);
        for (int i = 0; i < ITEMS; i++) {
            int a = 10 + r.nextInt(90);
            int b = 10 + r.nextInt(90);
            body.append("{\"id\":\"q").append(i).append("\",\"text\":\"Compute ").append(a).append(" * ").append(b)
                    .append(".\",\"answer\":\"").append(a * b).append("\"}\n");
        }
        HttpResponse<String> up = JsonHttp.post(base + "/api/v1/benchmarks?name=arith&answerType=integer&repeats=2", "application/x-ndjson", body.toString());
        assertThat(up.statusCode()).as(up.body()).isIn(200, 201);
        HttpResponse<String> m = JsonHttp.post(base + "/api/v1/models", "application/json", "{\"name\":\"sim-model\",\"teacher\":\"sim\",\"trainedOn\":[]}");
        assertThat(m.statusCode()).as(m.body()).isIn(200, 201);
    }

    private long run(String base, String name) throws Exception {
        HttpResponse<String> r = JsonHttp.post(base + "/api/v1/eval-runs", "application/json",
                "{\"name\":\"" + name + "\",\"model\":\"sim-model\",\"benchmarks\":[\"arith\"],\"seed\":5}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return JsonHttp.json(r.body()).path("id").asLong();
    }

    private void jobUnderWay(String run) throws Exception {
        JsonHttp.await(generation.url() + "/api/v1/jobs", Duration.ofMinutes(2), jobs -> {
            for (JsonNode j : jobs) {
                if (j.path("name").asText().equals("eval-" + run + "-arith") && j.path("done").asLong() > 0) {
                    return true;
                }
            }
            return false;
        });
    }

    private List<JsonNode> jobsOf(String run) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode j : JsonHttp.get(generation.url() + "/api/v1/jobs")) {
            if (j.path("name").asText().equals("eval-" + run + "-arith")) {
                out.add(j);
            }
        }
        return out;
    }

    /** The run's per-item records, by item id. */
    private Map<String, String> items(String run) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode v : JsonHttp.items(proxy.url() + "/api/v1/eval-runs/" + run + "/results/arith/items?limit=25")) {
            assertThat(out.put(v.path("id").asText(), v.path("passes") + "/" + v.path("samples"))).as("scored once").isNull();
        }
        return out;
    }

    private static boolean ended(JsonNode run) {
        return !run.path("status").asText().equals("running");
    }

    @Test
    void aReplicaStartedMidRunDoesNotDriveItAgain() throws Exception {
        replica(0);
        benchmarkAndModel(proxy.url());
        long id = run(proxy.url(), "scale-out");
        jobUnderWay("scale-out");

        replica(1);
        JsonNode run = JsonHttp.await(proxy.url() + "/api/v1/eval-runs/" + id, Duration.ofMinutes(3), EvalReplicasIT::ended);
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("complete");
        assertThat(items("scale-out")).hasSize(ITEMS);
        assertThat(jobsOf("scale-out")).singleElement().satisfies(j -> assertThat(j.path("requests").asLong()).isEqualTo(2L * ITEMS));
        assertThat(Files.readString(log(1))).doesNotContain("taking it over").doesNotContain("driving it again");
    }

    @Test
    void aReplicaKilledMidRunHasItsRunFinishedByTheOtherWithTheScoresOfAnUndisturbedRun() throws Exception {
        Process a = replica(0);
        replica(1);
        benchmarkAndModel("http://localhost:" + ports[0]);
        long id = run("http://localhost:" + ports[0], "killed");
        jobUnderWay("killed");

        a.destroyForcibly().waitFor();
        JsonNode run = JsonHttp.await(proxy.url() + "/api/v1/eval-runs/" + id, Duration.ofMinutes(3), EvalReplicasIT::ended);
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("complete");
        assertThat(Files.readString(log(1))).contains("eval-run " + id + ": taking it over");
        assertThat(jobsOf("killed")).singleElement().satisfies(j -> assertThat(j.path("requests").asLong()).isEqualTo(2L * ITEMS));

        long other = run(proxy.url(), "undisturbed");
        JsonNode undisturbed = JsonHttp.await(proxy.url() + "/api/v1/eval-runs/" + other, Duration.ofMinutes(3), EvalReplicasIT::ended);
        assertThat(undisturbed.path("status").asText()).isEqualTo("complete");
        assertThat(run.path("results").get(0).path("metrics").path("accuracy"))
                .isEqualTo(undisturbed.path("results").get(0).path("metrics").path("accuracy"));
        assertThat(items("killed")).hasSize(ITEMS).isEqualTo(items("undisturbed"));
    }
}
