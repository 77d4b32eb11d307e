package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import dev.thoughtline.testing.LocalPostgres;
import dev.thoughtline.testing.QuarkusProcess;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example recipe end to end, the way the demo runs it: the four services' packaged jars as processes (each on
 * its own database of one embedded PostgreSQL), teacher-sim as the teacher, and the CLI's {@code recipe run}; with
 * access by bearer tokens switched on, so every call between the services carries one. Skips when the services are
 * not built.
 */
@QuarkusMainTest
class RecipeRunTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String[] SERVICES = {"question-service", "generation-service", "filter-service", "eval-service"};
    private static final String TOKEN = "s3cret-token";

    private static LocalPostgres pg;
    private static TeacherSim sim;
    private static final List<Process> processes = new ArrayList<>();
    private static final Map<String, String> urls = new LinkedHashMap<>();

    @TempDir
    static Path dir;

    @BeforeAll
    static void services() throws IOException {
        for (String s : SERVICES) {
            Assumptions.assumeTrue(Files.isRegularFile(jar(s)), s + " is not built");
        }
        pg = LocalPostgres.start();
        sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 40).with("tokens-sd", 10));
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String s : SERVICES) {
            String db = s.replace("-service", "");
            pg.createDatabase(db);
            ports.put(s, QuarkusProcess.freePort());
        }
        String generation = "http://localhost:" + ports.get("generation-service");
        String suite = String.join(",", ports.values().stream().map(p -> "http://localhost:" + p).toList());
        for (String s : SERVICES) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("QUARKUS_DATASOURCE_REACTIVE_URL", pg.reactiveUrl(s.replace("-service", "")));
            env.put("THOUGHTLINE_GENERATION_URL", generation);
            env.put("THOUGHTLINE_WORKER_POLL_INTERVAL", "50ms");
            // access by tokens, as in a cluster: each service accepts two and calls the others with one
            env.put("THOUGHTLINE_AUTH_TOKENS", TOKEN + ",another-one");
            env.put("THOUGHTLINE_AUTH_TOKEN", TOKEN);
            // the production outbound policy: the suite's services, and teacher-sim on loopback by its origin
            env.put("THOUGHTLINE_OUTBOUND_SUITE", suite);
            env.put("THOUGHTLINE_OUTBOUND_ALLOW", sim.baseUrl().substring(0, sim.baseUrl().indexOf("/v1")));
            processes.add(QuarkusProcess.start(jar(s), ports.get(s), pg, env, Path.of("target", s + ".log"), "256m"));
            urls.put(s, "http://localhost:" + ports.get(s));
        }
        for (int i = 0; i < SERVICES.length; i++) {
            QuarkusProcess.awaitReady(urls.get(SERVICES[i]), processes.get(i), Duration.ofSeconds(90));
        }
    }

    private static Path jar(String service) {
        return Path.of("..", "..", service, "target", "quarkus-app", "quarkus-run.jar");
    }

    @AfterAll
    static void stop() {
        processes.forEach(Process::destroy);
        for (Process p : processes) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (sim != null) {
            sim.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    /** The subcommand and its arguments, then where the services are. */
    private List<String> args(String... command) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(List.of("--question-url", urls.get("question-service"), "--generation-url", urls.get("generation-service"),
                "--filter-url", urls.get("filter-service"), "--eval-url", urls.get("eval-service"), "--token", TOKEN));
        return a;
    }

    @Test
    void everyApiCallNeedsATokenFromTheListWhileHealthAndMetricsStayOpen(QuarkusMainLauncher launcher) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String base : urls.values()) {
            java.net.http.HttpResponse<String> none = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/datasets")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(none.statusCode()).as(base).isEqualTo(401);
            assertThat(none.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            assertThat(none.body()).contains("bearer token");
            java.net.http.HttpResponse<String> wrong = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/datasets"))
                    .header("Authorization", "Bearer guess").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);
            java.net.http.HttpResponse<String> other = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/datasets"))
                    .header("Authorization", "Bearer another-one").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(200);
            for (String open : List.of("/q/health/ready", "/q/metrics")) {
                assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + open)).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).as(base + open).isEqualTo(200);
            }
        }
        List<String> noToken = new ArrayList<>(args("datasets"));
        noToken.subList(noToken.indexOf("--token"), noToken.size()).clear();
        LaunchResult r = launcher.launch(noToken.toArray(new String[0]));
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.getErrorOutput()).contains("answered 401").contains("bearer token");
    }

    @Test
    void theExampleRecipeRunsEveryStageAcrossTheServicesAndASecondRunResumes(QuarkusMainLauncher launcher) throws IOException {
        Path questions = dir.resolve("questions.ndjson");
        Path benchmark = dir.resolve("benchmark.ndjson");
        Path export = dir.resolve("out.sharegpt.jsonl");
        StringBuilder q = new StringBuilder();
        QuestionGenerator.generate(120, 1, "train").forEach(p -> q.append(line(p)));
        StringBuilder b = new StringBuilder();
        List<QuestionGenerator.Problem> bench = QuestionGenerator.generate(12, 99, "bench");
        bench.forEach(p -> b.append(line(p)));
        // five of the benchmark's problems planted among the questions: decontamination must drop them
        bench.subList(0, 5).forEach(p -> q.append(line(p)));
        Files.writeString(questions, q);
        Files.writeString(benchmark, b);

        List<String> run = new ArrayList<>(List.of("recipe", "run", Path.of("..", "..", "recipes", "openthoughts.yaml").toString(), "--poll", "100"));
        for (String set : List.of("RECIPE_NAME=it", "QUESTIONS_FILE=" + questions, "BENCHMARK_FILE=" + benchmark, "EXPORT_FILE=" + export,
                "MIX_SIZE=125", "SAMPLES_PER_QUESTION=2", "BENCHMARK_REPEATS=2", "TEACHER_BASE_URL=" + sim.baseUrl(), "MAX_TOKENS=4096")) {
            run.add("--set");
            run.add(set);
        }
        LaunchResult first = launcher.launch(args(run.toArray(new String[0])).toArray(new String[0]));
        assertThat(first.exitCode()).as(first.getOutput() + first.getErrorOutput()).isZero();
        String out = first.getOutput();
        assertThat(out).contains("benchmark demo-bench").contains("math: mix").contains("125 questions");
        // the five planted problems are in the mix of all 125 and decontamination drops them (at least them)
        String decontaminated = out.replaceAll("(?s).*decontaminate 125->(\\d+).*", "$1");
        assertThat(Integer.parseInt(decontaminated)).isLessThanOrEqualTo(120);
        assertThat(out).contains("accuracy on demo-bench");
        assertThat(out).contains("exported dataset: " + export);

        List<String> rows = Files.readAllLines(export);
        String kept = out.replaceAll("(?s).*math: question filters\\s+([\\d,]+) of.*", "$1").replace(",", "");
        assertThat(rows).hasSize(Integer.parseInt(kept) * 2);
        JsonNode row = MAPPER.readTree(rows.get(0));
        assertThat(row.at("/conversations/0/from").asText()).isEqualTo("human");
        assertThat(row.at("/conversations/1/value").asText()).startsWith("<think>\n").contains("</think>").contains("\\boxed{");
        assertThat(row.get("source").asText()).isEqualTo("procedural-math");
        assertThat(row.get("teacher").asText()).isEqualTo("teacher");
        String finals = out.lines().filter(l -> l.startsWith("final datasets: ")).findFirst().orElseThrow();

        // what the other commands show of it
        LaunchResult datasets = launcher.launch(args("datasets").toArray(new String[0]));
        assertThat(datasets.exitCode()).isZero();
        assertThat(datasets.getOutput()).contains("question").contains("trace").contains("filtered").contains("benchmark")
                .contains("it-math-mix").contains("demo-bench");
        LaunchResult status = launcher.launch(args("status").toArray(new String[0]));
        assertThat(status.exitCode()).isZero();
        assertThat(status.getOutput()).containsPattern("it-math-traces\\s+complete").containsPattern("it-math-questions\\s+complete")
                .containsPattern("it-eval\\s+complete\\s+demo-bench");
        Path openai = dir.resolve("out.openai.jsonl");
        String traces = finals.substring("final datasets: ".length()).strip();
        LaunchResult exported = launcher.launch(args("export", traces, "--format", "openai", "--out", openai.toString()).toArray(new String[0]));
        assertThat(exported.exitCode()).as(exported.getErrorOutput()).isZero();
        List<String> messages = Files.readAllLines(openai);
        assertThat(messages).hasSize(rows.size());
        assertThat(MAPPER.readTree(messages.get(0)).at("/messages/1/role").asText()).isEqualTo("assistant");

        LaunchResult second = launcher.launch(args(run.toArray(new String[0])).toArray(new String[0]));
        assertThat(second.exitCode()).as(second.getOutput() + second.getErrorOutput()).isZero();
        assertThat(second.getOutput()).contains("(as registered before)").contains(finals);
        assertThat(Files.readAllLines(export)).hasSize(rows.size());
    }

    @Test
    void aRecipeThatCannotRunIsAOneLineErrorAndExitCodeOne(QuarkusMainLauncher launcher) throws IOException {
        Path recipe = dir.resolve("broken.yaml");
        Files.writeString(recipe, "name: broken\nteacher: {name: t, baseUrl: 'not a url', model: m}\ndomains: {}\n");
        LaunchResult r = launcher.launch(args("recipe", "run", recipe.toString()).toArray(new String[0]));
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.getErrorOutput()).startsWith("thoughtline: POST ").contains("/teachers answered 400");
        LaunchResult missing = launcher.launch(args("recipe", "run", dir.resolve("none.yaml").toString()).toArray(new String[0]));
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.getErrorOutput()).contains("cannot read the recipe");
    }

    private static String line(QuestionGenerator.Problem p) {
        return MAPPER.createObjectNode().put("id", p.id()).put("text", p.text()).put("answer", p.answer()) + "\n";
    }
}
