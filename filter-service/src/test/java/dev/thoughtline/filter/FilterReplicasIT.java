package dev.thoughtline.filter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import dev.thoughtline.testing.ContractServer;
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
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * filter-service as several replicas on one database behind one address (a Kubernetes Service), the packaged jars as
 * processes, with the real generation-service and teacher-sim for a response-length step that takes some seconds:
 * a replica started mid-run changes nothing; a replica killed mid-run has its run finished by the other with the
 * output of an undisturbed run; a replica stopped with SIGTERM hands its run over at once.
 */
class FilterReplicasIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final int QUESTIONS = 300;

    private LocalPostgres pg;
    private GenerationServiceProcess generation;
    private TeacherSim sim;
    private ContractServer inputs;
    private RoundRobinProxy proxy;
    private final List<Process> replicas = new ArrayList<>();
    private final int[] ports = new int[2];
    private String teacher;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(JAR), "filter-service is not packaged");
        generation = GenerationServiceProcess.startIfBuilt(Map.of());
        Assumptions.assumeTrue(generation != null, "generation-service is not packaged");
        // about a second a request, 16 at a time: the step takes several seconds for 300 questions
        sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 100).with("tokens-sd", 20).with("itl-ms", 8));
        inputs = new ContractServer();
        pg = LocalPostgres.start();
        ports[0] = QuarkusProcess.freePort();
        ports[1] = QuarkusProcess.freePort();
        proxy = new RoundRobinProxy(List.of(ports[0], ports[1]));
        teacher = "sim-" + System.nanoTime();
        HttpResponse<String> r = JsonHttp.post(generation.url() + "/api/v1/teachers", "application/json", "{\"name\":\"" + teacher + "\",\"baseUrl\":\"" + sim.baseUrl()
                + "\",\"model\":\"" + SimConfig.defaults().model() + "\",\"limits\":{\"maxConcurrency\":16}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        replicas.forEach(Process::destroyForcibly);
        for (AutoCloseable c : new AutoCloseable[] {proxy, inputs, sim, generation, pg}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // stopping
            }
        }
    }

    private Process replica(int i, Duration lease) throws IOException {
        return replica(i, lease, Map.of());
    }

    private Process replica(int i, Duration lease, Map<String, String> extra) throws IOException {
        Map<String, String> env = new LinkedHashMap<>(extra);
        env.put("THOUGHTLINE_PUBLIC_URL", proxy.url());
        env.put("THOUGHTLINE_GENERATION_URL", generation.url());
        env.put("THOUGHTLINE_LEASES_OWNER", "replica-" + i);
        env.put("THOUGHTLINE_LEASES_DURATION", lease.toMillis() + "ms");
        env.put("THOUGHTLINE_LEASES_SCAN_INTERVAL", "300ms");
        // everything here is on loopback; the outbound policy is not what this test is about
        env.put("THOUGHTLINE_OUTBOUND_PRIVATE", "allow");
        Process p = QuarkusProcess.start(JAR, ports[i], pg, env, log(i), "256m");
        replicas.add(p);
        QuarkusProcess.awaitReady("http://localhost:" + ports[i], p, Duration.ofSeconds(90));
        return p;
    }

    private static Path log(int i) {
        return Path.of("target", "it-logs", "filter-replica-" + i + ".log");
    }

    private String steps() {
        return "[{\"type\":\"length\",\"params\":{\"min\":1}},"
                + "{\"type\":\"response-length\",\"params\":{\"teacher\":\"" + teacher + "\",\"samples\":1},\"keep\":{\"topFraction\":0.5}}]";
    }

    private long submit(String base, String name, String input) throws Exception {
        HttpResponse<String> r = JsonHttp.post(base + "/api/v1/filter-runs", "application/json", "{\"name\":\"" + name + "\",\"input\":\"" + input + "\",\"steps\":" + steps() + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return JsonHttp.json(r.body()).path("id").asLong();
    }

    /** The generation job of the run's LLM step, once it has stored some samples. */
    private JsonNode jobUnderWay(String run) throws Exception {
        return JsonHttp.await(generation.url() + "/api/v1/jobs", Duration.ofMinutes(2), jobs -> {
            for (JsonNode j : jobs) {
                if (j.path("name").asText().startsWith("filter-" + run + "-") && j.path("done").asLong() > 0) {
                    return true;
                }
            }
            return false;
        });
    }

    private List<JsonNode> jobsOf(String run) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode j : JsonHttp.get(generation.url() + "/api/v1/jobs")) {
            if (j.path("name").asText().startsWith("filter-" + run + "-")) {
                out.add(j);
            }
        }
        return out;
    }

    /** Every verdict of a run, as item id to (kept, scores), read page by page. */
    private Map<String, String> verdicts(long id) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode v : JsonHttp.items(proxy.url() + "/api/v1/filter-runs/" + id + "/verdicts?limit=100")) {
            assertThat(out.put(v.path("id").asText(), v.path("kept").asBoolean() + " " + v.path("scores"))).as("verdict written once").isNull();
        }
        return out;
    }

    private String logOf(int i) throws IOException {
        return Files.readString(log(i));
    }

    @Test
    void aReplicaStartedMidRunChangesNothing() throws Exception {
        replica(0, Duration.ofSeconds(5));
        String input = inputs.questions("scale", QUESTIONS);
        long id = submit(proxy.url(), "scale-out", input);
        jobUnderWay("scale-out");

        replica(1, Duration.ofSeconds(5));
        JsonNode run = JsonHttp.await(proxy.url() + "/api/v1/filter-runs/" + id, Duration.ofMinutes(3), r -> !r.path("status").asText().equals("running"));

        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("complete");
        assertThat(verdicts(id)).hasSize(QUESTIONS);
        assertThat(jobsOf("scale-out")).singleElement().satisfies(j -> assertThat(j.path("requests").asLong()).isEqualTo(QUESTIONS));
        assertThat(logOf(1)).doesNotContain("taking it over").doesNotContain("was running when the service stopped");
    }

    @Test
    void aReplicaKilledMidRunHasItsRunFinishedByAnotherWithTheOutputOfAnUndisturbedRun() throws Exception {
        Process a = replica(0, Duration.ofSeconds(3));
        replica(1, Duration.ofSeconds(3));
        String input = inputs.questions("kill", QUESTIONS);
        long id = submit("http://localhost:" + ports[0], "killed", input);
        jobUnderWay("killed");

        a.destroyForcibly().waitFor();
        JsonNode run = JsonHttp.await(proxy.url() + "/api/v1/filter-runs/" + id, Duration.ofMinutes(3), r -> !r.path("status").asText().equals("running"));
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("complete");
        assertThat(logOf(1)).contains("filter-run " + id + ": taking it over");
        // its step's job was reused by name, not asked again
        assertThat(jobsOf("killed")).singleElement().satisfies(j -> assertThat(j.path("requests").asLong()).isEqualTo(QUESTIONS));

        long undisturbed = submit(proxy.url(), "undisturbed", input);
        JsonNode other = JsonHttp.await(proxy.url() + "/api/v1/filter-runs/" + undisturbed, Duration.ofMinutes(3), r -> !r.path("status").asText().equals("running"));
        assertThat(other.path("status").asText()).isEqualTo("complete");
        assertThat(run.path("keptCount").asLong()).isEqualTo(other.path("keptCount").asLong());
        assertThat(verdicts(id)).hasSize(QUESTIONS).isEqualTo(verdicts(undisturbed));
    }

    /**
     * A run of per-item steps over 30,000 questions in shards of 1,000 on two replicas: replica 0 is killed while it
     * holds a shard (seen in the database before and after the kill, so the shard was not finished; its log may not
     * even say it took it), replica 1 takes that shard over, and the run's verdicts are those of the same run worked by
     * replica 1 alone.
     */
    @Test
    void aShardOfAKilledReplicaIsTakenOverAndTheShardedRunLosesNothing() throws Exception {
        Map<String, String> shards = Map.of("THOUGHTLINE_RUNS_SHARD_SIZE", "1000", "THOUGHTLINE_RUNS_SHARD_CONCURRENCY", "1");
        Process a = replica(0, Duration.ofSeconds(3), shards);
        replica(1, Duration.ofSeconds(3), shards);
        String input = inputs.questions("shards", 30_000);
        // three passes over the shards: exact-dedup's keys, near-dedup's keys after the per-item steps, then a keep by rank
        String steps = "[{\"type\":\"exact-dedup\"},{\"type\":\"length\",\"params\":{\"min\":3}},"
                + "{\"type\":\"random\",\"params\":{\"seed\":5},\"keep\":{\"threshold\":0.3}},{\"type\":\"near-dedup\"},"
                + "{\"type\":\"length\",\"name\":\"longer\",\"params\":{\"unit\":\"chars\"},\"keep\":{\"topFraction\":0.5}}]";
        HttpResponse<String> r = JsonHttp.post(proxy.url() + "/api/v1/filter-runs", "application/json",
                "{\"name\":\"sharded\",\"input\":\"" + input + "\",\"steps\":" + steps + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        long id = JsonHttp.json(r.body()).path("id").asLong();
        assertThat(JsonHttp.json(r.body()).path("shardSize").asInt()).isEqualTo(1000);

        // kill replica 0 while it holds a shard; should it finish that shard before the signal lands, start it again and
        // wait for its next one
        List<Long> held = List.of();
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(pg.jdbcUrl(), LocalPostgres.USER, LocalPostgres.PASSWORD)) {
            for (int attempt = 0; attempt < 5 && held.isEmpty(); attempt++) {
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (shardsOf(db, "replica-0").isEmpty()) {
                    assertThat(System.nanoTime()).as("replica 0 takes a shard").isLessThan(deadline);
                    Thread.sleep(2);
                }
                a.destroyForcibly().waitFor();
                held = shardsOf(db, "replica-0");
                if (held.isEmpty()) {
                    a = replica(0, Duration.ofSeconds(3), shards);
                }
            }
        }
        assertThat(held).as("a shard replica 0 held when it was killed").isNotEmpty();

        JsonNode run = JsonHttp.await(proxy.url() + "/api/v1/filter-runs/" + id, Duration.ofMinutes(3), v -> !v.path("status").asText().equals("running"));
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("complete");
        assertThat(run.path("itemCount").asLong()).isEqualTo(30_000);
        for (long shard : held) {
            assertThat(logOf(1)).contains("filter-shard " + shard + ": taking it over");
        }

        HttpResponse<String> again = JsonHttp.post(proxy.url() + "/api/v1/filter-runs", "application/json",
                "{\"name\":\"sharded-alone\",\"input\":\"" + input + "\",\"steps\":" + steps + "}");
        long alone = JsonHttp.json(again.body()).path("id").asLong();
        JsonNode other = JsonHttp.await(proxy.url() + "/api/v1/filter-runs/" + alone, Duration.ofMinutes(3), v -> !v.path("status").asText().equals("running"));
        assertThat(other.path("status").asText()).isEqualTo("complete");
        assertThat(run.path("keptCount").asLong()).isEqualTo(other.path("keptCount").asLong()).isPositive().isLessThan(30_000);
        assertThat(run.path("stats")).isEqualTo(other.path("stats"));
        assertThat(verdicts(id)).hasSize(30_000).isEqualTo(verdicts(alone));
    }

    /** The shards {@code owner} holds now. */
    private static List<Long> shardsOf(java.sql.Connection db, String owner) throws java.sql.SQLException {
        List<Long> out = new ArrayList<>();
        try (java.sql.PreparedStatement st = db.prepareStatement("SELECT id FROM work_lease WHERE kind = 'filter-shard' AND owner = ?")) {
            st.setString(1, owner);
            try (java.sql.ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    @Test
    void aReplicaStoppedWithSigtermHandsItsRunOverWithoutWaitingForTheLease() throws Exception {
        // a lease of two minutes: only the handover makes the other replica take the run before it runs out
        Process a = replica(0, Duration.ofMinutes(2));
        replica(1, Duration.ofMinutes(2));
        String input = inputs.questions("term", QUESTIONS);
        long id = submit("http://localhost:" + ports[0], "handed-over", input);
        jobUnderWay("handed-over");

        long stopped = System.nanoTime();
        a.destroy();
        assertThat(a.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("SIGTERM stops the replica").isTrue();
        assertThat(logOf(0)).contains("handed over 1 piece(s) of work");
        JsonNode run = JsonHttp.await(proxy.url() + "/api/v1/filter-runs/" + id, Duration.ofMinutes(3), r -> !r.path("status").asText().equals("running"));
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("complete");
        assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofMinutes(2));
        assertThat(logOf(1)).contains("filter-run " + id + ": taking it over");
        assertThat(verdicts(id)).hasSize(QUESTIONS);
    }
}
