package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import dev.thoughtline.testing.LocalPostgres;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example recipe on a cluster whose replicas keep dying: two replicas of each service behind one address each
 * ({@link ReplicatedSuite}), tokens on, the production outbound policy, leases of 3 s; while the CLI runs the recipe, a
 * chaos thread kills a replica of a service chosen by a seeded random every 1.5 to 4 s with SIGKILL and starts it again
 * on its port, database and environment, under a new owner name as a new pod would be (never both replicas of a
 * service at once, so the recipe can go on). The first kill waits for a replica that holds work, so that every run of
 * the test has at least one takeover; after it, three kills in four go to a replica of the service drawn that holds
 * work, when one does (which replica that is depends on timing, not only on the seed).
 * <p>
 * What it is compared with: the same recipe, with the same seeds, run first without chaos on a suite of its own (one
 * replica each, fresh databases, the same stateless teacher-sim). Not on the same suite: generation-service's request
 * cache would answer every sample of the second run from the first (same endpoint, model, parameters, prompts and
 * seeds), so the run under chaos would never ask the teacher, and a replica killed mid-request would lose nothing
 * worth checking.
 * <p>
 * The chaos starts once the questions are in and mixed: a replica killed mid-upload rolls back what it had not
 * committed, the CLI sends the upload again, and the questions get other ids (a PostgreSQL sequence does not roll
 * back); mixes sample and order by question id, so that export would hold other questions, rightly, and could not be
 * compared.
 */
@QuarkusMainTest
class RecipeChaosTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long SEED = Long.getLong("thoughtline.chaos.seed", 7);
    private static final int QUESTIONS = 300;
    private static final int BENCHMARK = 20;
    private static final int PLANTED = 5;
    private static final int SAMPLES = 4;
    private static final int REPEATS = 4;

    @TempDir
    static Path dir;

    /** What a run of the recipe left: the CLI's answer, its export, and what the services say of its work. */
    private record Outcome(LaunchResult cli, Path export, Duration took, Map<String, JsonNode> jobs, Map<String, JsonNode> filterRuns,
                           Map<String, JsonNode> evalRuns, List<String> duplicates, List<String> takeovers) {
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void theRecipeCompletesWhileReplicasAreKilledAndExportsWhatAnUndisturbedRunExports(QuarkusMainLauncher launcher) throws Exception {
        PackagedSuite.assumeBuilt();
        Path questions = dir.resolve("questions.ndjson");
        Path benchmark = dir.resolve("benchmark.ndjson");
        StringBuilder q = new StringBuilder();
        QuestionGenerator.generate(QUESTIONS, 1, "train").forEach(p -> q.append(line(p)));
        StringBuilder b = new StringBuilder();
        List<QuestionGenerator.Problem> bench = QuestionGenerator.generate(BENCHMARK, 99, "bench");
        bench.forEach(p -> b.append(line(p)));
        bench.subList(0, PLANTED).forEach(p -> q.append(line(p)));
        Files.writeString(questions, q);
        Files.writeString(benchmark, b);

        // about 0.4 s a request, 16 at once: each generation stage lasts several seconds, long enough to be hit
        try (LocalPostgres pg = LocalPostgres.start();
             TeacherSim sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 40).with("tokens-sd", 10).with("itl-ms", 10))) {
            List<String> allow = List.of(sim.baseUrl().substring(0, sim.baseUrl().indexOf("/v1")));
            Map<String, String> env = Map.of(
                    "THOUGHTLINE_WORKER_POLL_INTERVAL", "50ms",
                    // filter runs, eval runs, imports: a dead owner's work is taken over within about 3 s
                    "THOUGHTLINE_LEASES_DURATION", "3s",
                    "THOUGHTLINE_LEASES_SCAN_INTERVAL", "300ms",
                    // generation-service: a dead worker's requests, and a dead loader's job, go back to the others as quickly
                    "THOUGHTLINE_WORKER_LEASE", "3s",
                    "THOUGHTLINE_JOBS_LOADER_STALE_AFTER", "5s");

            Outcome calm;
            try (ReplicatedSuite suite = ReplicatedSuite.start(pg, "calm", 1, allow, env)) {
                calm = run(launcher, suite, sim, questions, benchmark, dir.resolve("calm.sharegpt.jsonl"), null);
            }
            List<String> kills = Collections.synchronizedList(new ArrayList<>());
            Outcome chaos;
            Chaos monkey;
            try (ReplicatedSuite suite = ReplicatedSuite.start(pg, "chaos", 2, allow, env)) {
                monkey = new Chaos(suite, SEED, () -> mixed(suite), kills);
                chaos = run(launcher, suite, sim, questions, benchmark, dir.resolve("chaos.sharegpt.jsonl"), monkey);
            }

            report(calm, chaos, kills);
            assertThat(calm.cli().exitCode()).as(calm.cli().getOutput() + calm.cli().getErrorOutput()).isZero();
            assertThat(chaos.cli().exitCode()).as(chaos.cli().getOutput() + chaos.cli().getErrorOutput()).isZero();
            assertThat(monkey.hits).as("kills of a replica holding work (a run's lease, leased requests, a job's loading)").isNotEmpty();

            long rows = Files.readAllLines(calm.export()).size();
            assertThat(rows).as("the export holds kept questions x samples").isPositive().isEqualTo(
                    calm.filterRuns().get("ot-math-questions").path("keptCount").asLong() * SAMPLES);
            assertThat(Files.mismatch(calm.export(), chaos.export())).as("the export under chaos is byte for byte the undisturbed one").isEqualTo(-1L);

            assertThat(calm.duplicates()).isEmpty();
            assertThat(chaos.duplicates()).as("no verdict, result or scored item stored twice, none missing").isEmpty();

            assertThat(chaos.jobs().keySet()).isEqualTo(calm.jobs().keySet()).hasSize(3);
            for (String job : calm.jobs().keySet()) {
                JsonNode c = calm.jobs().get(job);
                JsonNode x = chaos.jobs().get(job);
                assertThat(x.path("status").asText()).as(job).isEqualTo("complete");
                for (String counter : List.of("total", "done", "failed", "items")) {
                    assertThat(x.path(counter).asLong()).as(job + " " + counter).isEqualTo(c.path(counter).asLong());
                }
            }
            assertThat(chaos.filterRuns().keySet()).isEqualTo(calm.filterRuns().keySet());
            for (String run : calm.filterRuns().keySet()) {
                JsonNode c = calm.filterRuns().get(run);
                JsonNode x = chaos.filterRuns().get(run);
                assertThat(x.path("status").asText()).as(run).isEqualTo("complete");
                assertThat(x.path("itemCount").asLong()).as(run).isEqualTo(c.path("itemCount").asLong());
                assertThat(x.path("keptCount").asLong()).as(run).isEqualTo(c.path("keptCount").asLong());
                assertThat(x.path("stats")).as(run + " per-step statistics").isEqualTo(c.path("stats"));
            }
            JsonNode calmEval = calm.evalRuns().get("ot-eval");
            JsonNode chaosEval = chaos.evalRuns().get("ot-eval");
            assertThat(chaosEval.path("status").asText()).isEqualTo("complete");
            assertThat(chaosEval.at("/results/0/metrics/accuracy")).isEqualTo(calmEval.at("/results/0/metrics/accuracy"));
            assertThat(chaosEval.at("/results/0/metrics/repeatAccuracies")).isEqualTo(calmEval.at("/results/0/metrics/repeatAccuracies"));
        }
    }

    /**
     * Runs the recipe with the CLI against {@code suite} (with {@code chaos} loose while it runs, when there is one),
     * then reads what the services made of it.
     */
    private Outcome run(QuarkusMainLauncher launcher, ReplicatedSuite suite, TeacherSim sim, Path questions, Path benchmark, Path export,
                        Chaos chaos) throws Exception {
        List<String> args = new ArrayList<>(List.of("recipe", "run", Path.of("..", "..", "recipes", "openthoughts.yaml").toString(), "--poll", "200"));
        for (String set : List.of("RECIPE_NAME=ot", "QUESTIONS_FILE=" + questions, "BENCHMARK_FILE=" + benchmark, "EXPORT_FILE=" + export,
                "MIX_SIZE=" + QUESTIONS, "SAMPLES_PER_QUESTION=" + SAMPLES, "BENCHMARK_REPEATS=" + REPEATS, "TEACHER_BASE_URL=" + sim.baseUrl(),
                "TEACHER_CONCURRENCY=16", "MAX_TOKENS=4096")) {
            args.add("--set");
            args.add(set);
        }
        args.addAll(List.of("--question-url", suite.url("question-service"), "--generation-url", suite.url("generation-service"),
                "--filter-url", suite.url("filter-service"), "--eval-url", suite.url("eval-service"), "--token", PackagedSuite.TOKEN));
        long start = System.nanoTime();
        LaunchResult result;
        if (chaos == null) {
            result = launcher.launch(args.toArray(new String[0]));
        } else {
            try (chaos) {
                chaos.start();
                result = launcher.launch(args.toArray(new String[0]));
            }
            chaos.rethrow();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        return new Outcome(result, export, took, byName(get(suite.url("generation-service") + "/api/v1/jobs")),
                byName(get(suite.url("filter-service") + "/api/v1/filter-runs")), byName(get(suite.url("eval-service") + "/api/v1/eval-runs")),
                duplicates(suite), takeovers(suite));
    }

    /**
     * Kills a replica of a service every 1.5 to 4 s, both chosen by a seeded random (the first, and then most, among
     * those that hold work), and starts it again in the background; before a kill, both replicas of the service chosen
     * must be up (so one always is). Starts once {@code begin} holds; stops when closed, after the replicas it killed
     * are up again.
     */
    private static final class Chaos implements AutoCloseable {
        private final ReplicatedSuite suite;
        private final Random random;
        private final BooleanSupplier begin;
        private final List<String> kills;
        private final List<String> hits = Collections.synchronizedList(new ArrayList<>());
        private final ExecutorService restarts = Executors.newCachedThreadPool();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread = new Thread(this::loose, "chaos");
        private volatile boolean stopped;
        private long began;

        Chaos(ReplicatedSuite suite, long seed, BooleanSupplier begin, List<String> kills) {
            this.suite = suite;
            this.random = new Random(seed);
            this.begin = begin;
            this.kills = kills;
        }

        void start() {
            thread.start();
        }

        private void loose() {
            try {
                long t0 = System.nanoTime();
                while (!stopped && !begin.getAsBoolean()) {
                    pause(100);
                }
                began = System.nanoTime();
                while (!stopped) {
                    long gap = 1500 + random.nextInt(2500);
                    String service = ReplicatedSuite.SERVICES[random.nextInt(ReplicatedSuite.SERVICES.length)];
                    boolean owners = random.nextInt(4) != 0;
                    pause(gap);
                    // a replica of this service killed before may still be starting: never both at once
                    while (!stopped && !suite.replicas(service).stream().allMatch(ReplicatedSuite.Replica::ready)) {
                        pause(50);
                    }
                    ReplicatedSuite.Replica victim = null;
                    if (hits.isEmpty()) {
                        // the first kill waits for a replica that holds work (the question filters' run comes soon), so that
                        // at least one kill is a takeover however the seed falls
                        while (!stopped && victim == null) {
                            victim = busyReady();
                            pause(victim == null ? 50 : 0);
                        }
                    } else {
                        // then, three times in four, a replica of the service drawn that holds work, if one does
                        List<ReplicatedSuite.Replica> busy = owners ? suite.busy(service) : List.of();
                        List<ReplicatedSuite.Replica> pool = busy.isEmpty() ? suite.replicas(service) : busy;
                        victim = pool.get(random.nextInt(pool.size()));
                    }
                    if (stopped) {
                        break;
                    }
                    boolean holding = suite.busy(victim.service).contains(victim);
                    victim.kill();
                    String kill = String.format(Locale.ROOT, "%.1f s %s%s", (System.nanoTime() - t0) / 1e9, victim.name(), holding ? " (holding work)" : "");
                    kills.add(kill);
                    if (holding) {
                        hits.add(kill);
                    }
                    ReplicatedSuite.Replica restarted = victim;
                    restarts.submit(() -> {
                        try {
                            restarted.restart();
                        } catch (RuntimeException e) {
                            failure.compareAndSet(null, e);
                        }
                    });
                }
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }

        /** A replica, of any service, that holds work while every replica of its service is up. */
        private ReplicatedSuite.Replica busyReady() {
            for (String service : ReplicatedSuite.SERVICES) {
                if (suite.replicas(service).stream().allMatch(ReplicatedSuite.Replica::ready)) {
                    List<ReplicatedSuite.Replica> busy = suite.busy(service);
                    if (!busy.isEmpty()) {
                        return busy.get(random.nextInt(busy.size()));
                    }
                }
            }
            return null;
        }

        private void pause(long millis) {
            long end = System.nanoTime() + millis * 1_000_000;
            while (!stopped && System.nanoTime() < end) {
                try {
                    Thread.sleep(Math.min(50, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopped = true;
                }
            }
        }

        void rethrow() {
            if (failure.get() != null) {
                throw new AssertionError("the chaos failed: " + failure.get(), failure.get());
            }
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            thread.join();
            restarts.shutdown();
            if (!restarts.awaitTermination(3, TimeUnit.MINUTES)) {
                failure.compareAndSet(null, new IllegalStateException("killed replicas did not come back in 3 minutes"));
            }
        }
    }

    /** Whether the questions are in and mixed: question-service serves a dataset. */
    private static boolean mixed(ReplicatedSuite suite) {
        try {
            return !get(suite.url("question-service") + "/api/v1/datasets").isEmpty();
        } catch (AssertionError | RuntimeException notYet) {
            return false;
        }
    }

    /** Counts in the databases that must equal the work's own: anything stored twice or missing, one line each. */
    private static List<String> duplicates(ReplicatedSuite suite) throws SQLException {
        List<String> wrong = new ArrayList<>();
        check(suite, "question-service", """
                SELECT d.name, d.status, d.item_count, d.item_count, count(i.position), count(DISTINCT i.question_id), 0
                FROM dataset d LEFT JOIN dataset_item i ON i.dataset_id = d.id GROUP BY d.id""", "mixed questions", wrong);
        check(suite, "filter-service", """
                SELECT r.name, r.status, r.item_count, r.kept_count, count(v.pos), count(v.pos) FILTER (WHERE v.kept), 0
                FROM filter_run r LEFT JOIN verdict v ON v.run_id = r.id GROUP BY r.id""", "verdicts", wrong);
        check(suite, "generation-service", """
                SELECT j.name, j.status, j.done_count, j.done_count, count(r.seq), count(DISTINCT (r.item_pos, r.sample_index)),
                       (SELECT count(*) FROM task t WHERE t.job_id = j.id)
                FROM job j LEFT JOIN result r ON r.job_id = j.id GROUP BY j.id""", "results", wrong);
        check(suite, "eval-service", """
                SELECT b.name, res.status, b.item_count, b.item_count, count(i.pos), count(DISTINCT i.item_id), 0
                FROM eval_result res JOIN benchmark b ON b.id = res.benchmark_id
                LEFT JOIN eval_item i ON i.run_id = res.run_id AND i.benchmark_id = res.benchmark_id GROUP BY res.run_id, res.benchmark_id, b.id""",
                "scored items", wrong);
        return wrong;
    }

    /**
     * Each row: name, status, expected count, expected second count, stored count, stored second count, rows left
     * behind; the two pairs must agree, nothing may be left.
     */
    private static void check(ReplicatedSuite suite, String service, String sql, String what, List<String> wrong) throws SQLException {
        try (Connection c = suite.jdbc(service); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            int rows = 0;
            while (r.next()) {
                rows++;
                String row = service + " " + r.getString(1) + " (" + r.getString(2) + "): " + what + " " + r.getLong(5) + "/" + r.getLong(6)
                        + " for " + r.getLong(3) + "/" + r.getLong(4) + ", " + r.getLong(7) + " left";
                if (!"complete".equals(r.getString(2)) || r.getLong(3) != r.getLong(5) || r.getLong(4) != r.getLong(6) || r.getLong(7) != 0) {
                    wrong.add(row);
                }
            }
            if (rows == 0) {
                wrong.add(service + ": no " + what + " at all");
            }
        }
    }

    /** The takeovers the replicas' logs record, by kind of work. */
    private static List<String> takeovers(ReplicatedSuite suite) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> logs = Files.list(Path.of("target", "chaos-logs"))) {
            for (Path log : logs.sorted().toList()) {
                if (log.getFileName().toString().startsWith(suite.prefix() + "-")) {
                    Files.readAllLines(log).stream().filter(l -> l.contains(": taken over"))
                            .forEach(l -> out.add(log.getFileName() + ": " + l.replaceAll(".*(INFO|WARN)\\s+\\[[^]]*]\\s*(\\([^)]*\\))?\\s*", "")));
                }
            }
        }
        return out;
    }

    private static void report(Outcome calm, Outcome chaos, List<String> kills) {
        StringBuilder r = new StringBuilder("\n--- the recipe under chaos (seed " + SEED + ")\n");
        r.append(String.format(Locale.ROOT, "undisturbed: %.1f s; under chaos: %.1f s, %d kills%n", calm.took().toMillis() / 1e3,
                chaos.took().toMillis() / 1e3, kills.size()));
        kills.forEach(k -> r.append("  killed at ").append(k).append('\n'));
        chaos.takeovers().forEach(t -> r.append("  ").append(t).append('\n'));
        r.append("generation jobs, undisturbed -> under chaos (requests and cost may differ: a request in flight on a killed replica is asked again)\n");
        for (String job : calm.jobs().keySet()) {
            JsonNode c = calm.jobs().get(job);
            JsonNode x = chaos.jobs().getOrDefault(job, MAPPER.createObjectNode());
            r.append(String.format(Locale.ROOT, "  %-42s done %d->%d failed %d->%d cached %d->%d requests %d->%d failedRequests %d->%d "
                            + "completionTokens %d->%d cost %.5f->%.5f%n", job, c.path("done").asLong(), x.path("done").asLong(),
                    c.path("failed").asLong(), x.path("failed").asLong(), c.path("cached").asLong(), x.path("cached").asLong(),
                    c.path("requests").asLong(), x.path("requests").asLong(), c.path("failedRequests").asLong(), x.path("failedRequests").asLong(),
                    c.path("completionTokens").asLong(), x.path("completionTokens").asLong(), c.path("cost").asDouble(), x.path("cost").asDouble()));
        }
        calm.duplicates().forEach(d -> r.append("  undisturbed: ").append(d).append('\n'));
        chaos.duplicates().forEach(d -> r.append("  under chaos: ").append(d).append('\n'));
        r.append("the CLI under chaos:\n").append(chaos.cli().getOutput()).append(chaos.cli().getErrorOutput());
        System.out.println(r);
    }

    private static Map<String, JsonNode> byName(JsonNode list) {
        Map<String, JsonNode> out = new TreeMap<>();
        list.forEach(n -> out.put(n.path("name").asText(), n));
        return out;
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /** A GET with the token through a proxy; a connection a dying replica dropped is tried again. */
    private static JsonNode get(String url) {
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + PackagedSuite.TOKEN).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new AssertionError("GET " + url + " answered " + r.statusCode() + ": " + r.body());
                }
                return MAPPER.readTree(r.body());
            } catch (IOException e) {
                if (attempt == 5) {
                    throw new AssertionError("GET " + url + ": " + e, e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    private static String line(QuestionGenerator.Problem p) {
        return MAPPER.createObjectNode().put("id", p.id()).put("text", p.text()).put("answer", p.answer()) + "\n";
    }
}
