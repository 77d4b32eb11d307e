package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import dev.thoughtline.testing.LocalPostgres;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The attacks a caller holding a valid token can make on the suite's trust boundaries, against the packaged services
 * as users run them (the production outbound policy: loopback and private addresses refused except the origins of
 * this test's own servers), each test asserting what a user relies on: no secret leaves its place, no URL a caller
 * names is read unless the policy allows it, no answer poisons another endpoint's cache, and nothing a caller's
 * server sends (pages, streams, bodies of any size) takes a service down. Skips when the services are not built.
 */
class TrustBoundaryAttacksTest {

    private static final String GEN = "generation-service";
    private static final String QUESTION = "question-service";
    private static final String FILTER = "filter-service";
    private static final String EVAL = "eval-service";
    private static final String KEY = "sk-teacher-key-x-1f0c";
    private static final long PAGE_LIMIT = 32L << 20;

    private static StubServer contract;
    private static StubServer elsewhere;
    private static StubServer teachers;
    private static TeacherSim sim;
    private static TeacherSim attacker;
    private static TeacherSim victim;
    private static ServerSocket listener;
    private static final AtomicInteger listenerConnections = new AtomicInteger();
    private static PackagedSuite suite;
    private static long sourceId;

    @BeforeAll
    static void start() throws IOException {
        PackagedSuite.assumeBuilt();
        contract = new StubServer();
        elsewhere = new StubServer();
        teachers = new StubServer();
        SimConfig quick = SimConfig.defaults().with("tokens-mean", 20).with("tokens-sd", 2);
        sim = TeacherSim.start(quick);
        attacker = TeacherSim.start(quick.with("accuracy", 1.0));
        victim = TeacherSim.start(quick.with("accuracy", 0.0));
        // a loopback port nobody allowed: it counts the connections that reach it
        listener = new ServerSocket(0);
        Thread accept = new Thread(() -> {
            while (!listener.isClosed()) {
                try (Socket s = listener.accept()) {
                    listenerConnections.incrementAndGet();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "unallowed-listener");
        accept.setDaemon(true);
        accept.start();
        suite = PackagedSuite.start("attacks", List.of(contract.origin(), elsewhere.origin(), teachers.origin(), origin(sim),
                origin(attacker), origin(victim)), Map.of(GEN, Map.of("THOUGHTLINE_TEACHER_KEY_X", KEY)));
        registerTeacher("sim", sim.baseUrl(), "teacher-sim", null);
        sourceId = suite.ok(suite.post(QUESTION, "/api/v1/sources", Map.of("name", "attacks", "domain", "math", "origin", "human")))
                .get("id").asLong();
    }

    @AfterAll
    static void stop() throws IOException {
        if (suite != null) {
            suite.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {contract, elsewhere, teachers, sim, attacker, victim, listener}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
    }

    private static String origin(TeacherSim s) {
        return "http://localhost:" + s.port();
    }

    private static JsonNode registerTeacher(String name, String baseUrl, String model, String keyEnv) {
        return suite.ok(suite.post(GEN, "/api/v1/teachers", teacher(name, baseUrl, model, keyEnv)));
    }

    private static ObjectNode teacher(String name, String baseUrl, String model, String keyEnv) {
        ObjectNode t = PackagedSuite.JSON.createObjectNode().put("name", name).put("baseUrl", baseUrl).put("model", model);
        if (keyEnv != null) {
            t.put("apiKeyEnv", keyEnv);
        }
        t.putObject("limits").put("maxConcurrency", 4);
        return t;
    }

    private static ObjectNode job(String name, String input, String teacher, int samples) {
        return PackagedSuite.JSON.createObjectNode().put("name", name).put("input", input).put("teacher", teacher)
                .put("samplesPerItem", samples).put("promptTemplate", "{{text}}");
    }

    private static long submit(String name, String input, String teacher, int samples) {
        return suite.ok(suite.post(GEN, "/api/v1/jobs", job(name, input, teacher, samples))).get("id").asLong();
    }

    private static JsonNode settledJob(long id, Duration timeout) {
        return suite.await(GEN, "/api/v1/jobs/" + id, j -> List.of("complete", "failed", "cancelled").contains(j.path("status").asText()), timeout);
    }

    private static List<JsonNode> traces(long job) {
        HttpResponse<String> r = suite.get(GEN, "/api/v1/datasets/" + job + "/items?limit=10000");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body().lines().filter(l -> !l.isBlank()).map(PackagedSuite::tree).toList();
    }

    private static ObjectNode filterRun(String name, String input) {
        ObjectNode run = PackagedSuite.JSON.createObjectNode().put("name", name).put("input", input);
        run.putArray("steps").addObject().put("type", "length").putObject("params").put("min", 1);
        return run;
    }

    /** Asserts a problem answer of {@code status} with a title, and returns its detail for more. */
    private static AbstractStringAssert<?> assertProblem(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.request().uri() + ": " + r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        JsonNode p = PackagedSuite.tree(r.body());
        assertThat(p.path("title").asText()).isNotBlank();
        return assertThat(p.path("detail").asText());
    }

    /** The service answers its readiness check and an ordinary request, and has not run out of memory. */
    private static void assertResponsive(String service, String list) {
        assertThat(suite.alive(service)).as(service + " is running").isTrue();
        assertThat(suite.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(suite.url(service) + "/q/health/ready")).build())
                .statusCode()).as(service + " readiness").isEqualTo(200);
        long start = System.nanoTime();
        assertThat(suite.get(service, list).statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as(service + " answers promptly").isLessThan(Duration.ofSeconds(5));
        assertThat(suite.log(service)).doesNotContain("OutOfMemoryError");
    }

    private static void assertNoSecretIn(StubServer.Seen seen) {
        String all = seen.headers().toString();
        assertThat(all).as(seen.path()).doesNotContain(PackagedSuite.TOKEN).doesNotContain(PackagedSuite.OTHER_TOKEN)
                .doesNotContain("Bearer " + LocalPostgres.PASSWORD);
    }

    // ---- 1. keys -----------------------------------------------------------------------------------------------

    @Test
    void apiKeyEnvCannotNameAVariableOutsideTheTeacherKeysAndAKeyReachesOnlyItsOwnTeacher() throws Exception {
        String base = teachers.teacher("/keyed", ex -> {
            OutputStream out = StubServer.stream(ex);
            out.write(StubServer.contentChunk("So the final answer is \\boxed{1}."));
            out.write(StubServer.finish(9));
        });
        for (String variable : List.of("QUARKUS_DATASOURCE_PASSWORD", "THOUGHTLINE_AUTH_TOKENS", "PATH")) {
            String name = "exfil-" + variable.toLowerCase().replace('_', '-');
            assertProblem(suite.post(GEN, "/api/v1/teachers", teacher(name, base, "m", variable)), 400).contains("THOUGHTLINE_TEACHER_KEY_");
            assertThat(suite.get(GEN, "/api/v1/teachers").body()).doesNotContain(name);
        }
        assertThat(teachers.seen("/keyed")).isEmpty();

        JsonNode keyed = registerTeacher("keyed", base, "m", "THOUGHTLINE_TEACHER_KEY_X");
        assertThat(keyed.get("apiKeyPresent").asBoolean()).isTrue();
        assertThat(keyed.toString()).doesNotContain(KEY);
        long job = submit("keyed-job", contract.dataset("keyed", "question", StubServer.questions("keyed", 3)), "keyed", 2);
        assertThat(settledJob(job, Duration.ofMinutes(1)).get("status").asText()).isEqualTo("complete");

        List<StubServer.Seen> seen = teachers.seen("/keyed");
        assertThat(seen).extracting(StubServer.Seen::path).contains("/keyed/v1/models", "/keyed/v1/chat/completions");
        assertThat(seen).allSatisfy(s -> {
            assertThat(s.headers().get("Authorization")).as(s.path()).containsExactly("Bearer " + KEY);
            assertNoSecretIn(s);
        });
        // and the key went nowhere else: not to the dataset server, not to the other teachers
        assertThat(contract.seen()).allSatisfy(s -> assertThat(s.headers().toString()).doesNotContain(KEY));
        assertThat(sim.authorizations()).doesNotContain("Bearer " + KEY);
        assertThat(suite.get(GEN, "/api/v1/jobs/" + job).body()).doesNotContain(KEY);
    }

    // ---- 2. the service token ----------------------------------------------------------------------------------

    @Test
    void theServiceTokenNeverReachesAUrlACallerNamedWhileCallsWithinTheSuiteCarryIt() {
        String forJob = contract.dataset("token-job", "question", StubServer.questions("token-job", 3));
        String forImport = contract.dataset("token-import", "question", StubServer.questions("token-import", 4));
        String forFilter = contract.dataset("token-filter", "question", StubServer.questions("token-filter", 3));
        String forLineage = contract.dataset("token-lineage", "question", StubServer.questions("token-lineage", 2));

        long job = submit("token-job", forJob, "sim", 1);
        assertThat(settledJob(job, Duration.ofMinutes(1)).get("status").asText()).isEqualTo("complete");

        long source = suite.ok(suite.post(QUESTION, "/api/v1/sources", Map.of("name", "token-src", "domain", "math", "origin", "human")))
                .get("id").asLong();
        long imp = suite.ok(suite.post(QUESTION, "/api/v1/sources/" + source + "/imports/dataset", Map.of("from", forImport))).get("id").asLong();
        JsonNode imported = suite.settled(QUESTION, "/api/v1/imports/" + imp, Duration.ofMinutes(1));
        assertThat(imported.get("status").asText()).as(imported.toString()).isEqualTo("complete");
        assertThat(imported.get("imported").asInt()).isEqualTo(4);

        long run = suite.ok(suite.post(FILTER, "/api/v1/filter-runs", filterRun("token-filter", forFilter))).get("id").asLong();
        assertThat(suite.settled(FILTER, "/api/v1/filter-runs/" + run, Duration.ofMinutes(1)).get("status").asText()).isEqualTo("complete");

        // registering a model asks generation-service about its teacher: a call within the suite, with the token
        suite.ok(suite.post(EVAL, "/api/v1/models", Map.of("name", "token-model", "teacher", "sim", "trainedOn", List.of(forLineage))));
        suite.ok(suite.get(EVAL, "/api/v1/leaderboard"));

        for (String id : List.of("token-job", "token-import", "token-filter", "token-lineage")) {
            List<StubServer.Seen> seen = contract.seen("/api/v1/datasets/" + id);
            assertThat(seen).as(id + " was read").isNotEmpty();
            assertThat(seen).allSatisfy(s -> {
                assertThat(s.header("Authorization")).as(id + ": " + s.path()).isNull();
                assertNoSecretIn(s);
            });
        }
        assertThat(sim.authorizations()).containsOnly("none");

        // the same services reading each other (tokens on: without the token each call would be a 401)
        String mix = suite.ok(suite.post(QUESTION, "/api/v1/mixes", Map.of("name", "token-mix",
                "components", List.of(Map.of("source", "token-src", "count", 4))))).get("ref").asText();
        long internalRun = suite.ok(suite.post(FILTER, "/api/v1/filter-runs", filterRun("token-internal", mix))).get("id").asLong();
        JsonNode filtered = suite.settled(FILTER, "/api/v1/filter-runs/" + internalRun, Duration.ofMinutes(1));
        assertThat(filtered.get("status").asText()).as(filtered.toString()).isEqualTo("complete");
        long internalJob = submit("token-internal", filtered.get("output").asText(), "sim", 1);
        JsonNode done = settledJob(internalJob, Duration.ofMinutes(1));
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("complete");
        assertThat(done.get("done").asInt()).isEqualTo(4);
        suite.ok(suite.post(EVAL, "/api/v1/models", Map.of("name", "token-internal", "teacher", "sim", "trainedOn", List.of(done.get("dataset").asText()))));
        JsonNode board = suite.ok(suite.get(EVAL, "/api/v1/leaderboard"));
        JsonNode row = null;
        for (JsonNode r : board.get("models")) {
            if (r.get("model").asText().equals("token-internal")) {
                row = r;
            }
        }
        assertThat(row).as(board.toString()).isNotNull();
        // the lineage runs through generation-service, filter-service and question-service, each read with the token
        assertThat(row.get("lineage")).hasSizeGreaterThanOrEqualTo(3).allSatisfy(l -> assertThat(l.has("error")).as(l.toString()).isFalse());
    }

    // ---- 3. refs to where the policy forbids -------------------------------------------------------------------

    @Test
    void datasetRefsToMetadataLoopbackAndPrivateAddressesAreRefusedBeforeAnyConnection() {
        int port = listener.getLocalPort();
        List<String> refs = List.of(
                "http://169.254.169.254/latest/meta-data/api/v1/datasets/1",
                "http://[fd00:ec2::254]/api/v1/datasets/1",
                "http://127.0.0.1:" + suite.postgresPort() + "/api/v1/datasets/1",
                "http://localhost:" + port + "/api/v1/datasets/1",
                "http://[::1]:" + port + "/api/v1/datasets/1",
                "http://127.1.2.3:" + port + "/api/v1/datasets/1",
                "http://10.11.12.13/api/v1/datasets/1",
                "http://192.168.1.1/api/v1/datasets/1");
        String good = contract.dataset("refused-good", "question", StubServer.questions("refused-good", 2));
        int i = 0;
        for (String ref : refs) {
            i++;
            assertProblem(suite.post(GEN, "/api/v1/jobs", job("refused-" + i, ref, "sim", 1)), 422).contains("refused");
            assertProblem(suite.post(QUESTION, "/api/v1/sources/" + sourceId + "/imports/dataset", Map.of("from", ref)), 422)
                    .contains("refused");
            assertProblem(suite.post(FILTER, "/api/v1/filter-runs", filterRun("refused-" + i, ref)), 422).contains("refused");
            ObjectNode decontaminate = PackagedSuite.JSON.createObjectNode().put("name", "refused-bench-" + i).put("input", good);
            decontaminate.putArray("steps").addObject().put("type", "decontaminate").putObject("params").putArray("benchmarks").add(ref);
            assertProblem(suite.post(FILTER, "/api/v1/filter-runs", decontaminate), 422).contains("refused");
            assertProblem(suite.post(EVAL, "/api/v1/models", Map.of("name", "refused-" + i, "teacher", "sim", "trainedOn", List.of(ref))), 422)
                    .contains("refused");
        }
        assertThat(listenerConnections.get()).as("connections to the loopback port nobody allowed").isZero();
        assertThat(suite.get(GEN, "/api/v1/jobs").body()).doesNotContain("refused-");
        assertThat(suite.get(QUESTION, "/api/v1/sources/" + sourceId + "/imports").body()).doesNotContain("\"dataset\"");
        assertThat(suite.get(FILTER, "/api/v1/filter-runs").body()).doesNotContain("refused-");
        assertThat(suite.get(EVAL, "/api/v1/models").body()).doesNotContain("refused-");
    }

    // ---- 4. a Link to another origin -----------------------------------------------------------------------------

    @Test
    void aNextLinkToAnotherOriginIsNeverFollowed() {
        List<String> items = StubServer.questions("cross", 2);
        String cross = contract.dataset("cross", "question", 2, ex -> {
            ex.getResponseHeaders().add("Link", "<" + elsewhere.ref("stolen") + "/items?after=1&limit=1000>; rel=\"next\"");
            StubServer.send(ex, 200, "application/x-ndjson", items.get(0) + "\n");
        });

        HttpResponse<String> submitted = suite.post(GEN, "/api/v1/jobs", job("cross", cross, "sim", 1));
        if (submitted.statusCode() == 422) {
            assertProblem(submitted, 422).contains("another origin");
        } else {
            JsonNode failed = settledJob(suite.ok(submitted).get("id").asLong(), Duration.ofMinutes(1));
            assertThat(failed.get("status").asText()).isEqualTo("failed");
            assertThat(failed.get("error").asText()).contains("another origin");
        }

        long imp = suite.ok(suite.post(QUESTION, "/api/v1/sources/" + sourceId + "/imports/dataset", Map.of("from", cross))).get("id").asLong();
        JsonNode run = suite.settled(QUESTION, "/api/v1/imports/" + imp, Duration.ofMinutes(1));
        assertThat(run.get("status").asText()).isEqualTo("failed");
        assertThat(run.get("failure").asText()).contains("another origin");

        HttpResponse<String> filter = suite.post(FILTER, "/api/v1/filter-runs", filterRun("cross", cross));
        if (filter.statusCode() == 422) {
            assertProblem(filter, 422).contains("another origin");
        } else {
            JsonNode f = suite.settled(FILTER, "/api/v1/filter-runs/" + suite.ok(filter).get("id").asLong(), Duration.ofMinutes(1));
            assertThat(f.get("status").asText()).isEqualTo("failed");
            assertThat(f.get("error").asText()).contains("another origin");
        }
        assertThat(elsewhere.seen()).as("requests to the other origin").isEmpty();
    }

    // ---- 5. the request cache ----------------------------------------------------------------------------------

    @Test
    void aTeacherRegisteredFirstUnderTheSameModelNameNeverAnswersForAnotherEndpoint() {
        String input = contract.dataset("poison", "question", StubServer.questions("poison", 5));
        registerTeacher("attacker", attacker.baseUrl(), "teacher-sim", null);
        long poison = submit("poison", input, "attacker", 2);
        assertThat(settledJob(poison, Duration.ofMinutes(1)).get("status").asText()).isEqualTo("complete");
        assertThat(traces(poison)).hasSize(10).allSatisfy(t -> assertThat(t.get("finalAnswer").asText()).isEqualTo(t.at("/metadata/answer").asText()));

        registerTeacher("victim", victim.baseUrl(), "teacher-sim", null);
        long honest = submit("honest", input, "victim", 2);
        JsonNode job = settledJob(honest, Duration.ofMinutes(1));
        assertThat(job.get("status").asText()).isEqualTo("complete");
        assertThat(job.get("cached").asInt()).isZero();
        assertThat(victim.requests()).isEqualTo(10);
        List<JsonNode> answers = traces(honest);
        assertThat(answers).hasSize(10).allSatisfy(t -> {
            assertThat(t.get("cached").asBoolean()).isFalse();
            // the victim's endpoint answers every question wrong: no answer of the attacker's is among them
            assertThat(t.get("finalAnswer").asText()).isNotEqualTo(t.at("/metadata/answer").asText());
        });
    }

    // ---- 6. a page of 100 MB -----------------------------------------------------------------------------------

    @Test
    void aHundredMegabytePageFailsItsReadWithTheSizeWhileTheReaderStaysUpWithinItsHeap() {
        AtomicLong written = new AtomicLong();
        AtomicInteger served = new AtomicInteger();
        String huge = contract.dataset("huge", "question", 1, ex -> {
            served.incrementAndGet();
            OutputStream out = StubServer.stream(ex);
            out.write("{\"id\":\"h1\",\"text\":\"".getBytes(StandardCharsets.US_ASCII));
            byte[] block = new byte[64 << 10];
            Arrays.fill(block, (byte) 'a');
            for (long n = 0; n < 100L << 20; n += block.length) {
                out.write(block);
                written.addAndGet(block.length);
            }
            out.write("\"}\n".getBytes(StandardCharsets.US_ASCII));
        });
        String limit = Long.toString(PAGE_LIMIT);

        HttpResponse<String> submitted = suite.post(GEN, "/api/v1/jobs", job("huge", huge, "sim", 1));
        if (submitted.statusCode() == 422) {
            assertProblem(submitted, 422).contains("more than " + limit + " bytes");
        } else {
            JsonNode failed = settledJob(suite.ok(submitted).get("id").asLong(), Duration.ofMinutes(2));
            assertThat(failed.get("status").asText()).isEqualTo("failed");
            assertThat(failed.get("error").asText()).contains("more than " + limit + " bytes");
        }
        assertResponsive(GEN, "/api/v1/jobs");

        long imp = suite.ok(suite.post(QUESTION, "/api/v1/sources/" + sourceId + "/imports/dataset", Map.of("from", huge))).get("id").asLong();
        JsonNode run = suite.settled(QUESTION, "/api/v1/imports/" + imp, Duration.ofMinutes(2));
        assertThat(run.get("status").asText()).isEqualTo("failed");
        assertThat(run.get("failure").asText()).contains("more than " + limit + " bytes");
        assertResponsive(QUESTION, "/api/v1/sources");

        HttpResponse<String> filter = suite.post(FILTER, "/api/v1/filter-runs", filterRun("huge", huge));
        if (filter.statusCode() == 422) {
            assertProblem(filter, 422).contains("more than " + limit + " bytes");
        } else {
            JsonNode f = suite.settled(FILTER, "/api/v1/filter-runs/" + suite.ok(filter).get("id").asLong(), Duration.ofMinutes(2));
            assertThat(f.get("status").asText()).isEqualTo("failed");
            assertThat(f.get("error").asText()).contains("more than " + limit + " bytes");
        }
        assertResponsive(FILTER, "/api/v1/filter-runs");

        // every reader hung up past the limit instead of taking the rest
        assertThat(served.get()).isGreaterThanOrEqualTo(3);
        assertThat(written.get()).isLessThan(served.get() * (100L << 20));
    }

    // ---- 7. teacher streams without end ------------------------------------------------------------------------

    @Test
    void aStreamLineOrASampleOverItsLimitFailsTheSampleForGoodWithNothingStored() throws Exception {
        String longLine = teachers.teacher("/longline", ex -> {
            OutputStream out = StubServer.stream(ex);
            out.write("data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] block = new byte[16 << 10];
            Arrays.fill(block, (byte) 'a');
            for (int n = 0; n < 2 << 20; n += block.length) {
                out.write(block);
                out.flush();
            }
        });
        String flood = teachers.teacher("/flood", ex -> {
            OutputStream out = StubServer.stream(ex);
            byte[] same = StubServer.contentChunk("ab".repeat(512));
            for (int n = 0; n < 5 << 20; n += 1024) {
                out.write(same);
            }
            out.write(StubServer.finish(5 << 20));
        });
        registerTeacher("longline", longLine, "m", null);
        registerTeacher("flood", flood, "m", null);
        for (String teacher : List.of("longline", "flood")) {
            long id = submit(teacher, contract.dataset(teacher, "question", StubServer.questions(teacher, 2)), teacher, 1);
            JsonNode job = settledJob(id, Duration.ofMinutes(1));
            assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("failed");
            assertThat(job.get("done").asInt()).isZero();
            assertThat(job.get("failed").asInt()).isEqualTo(2);
            JsonNode failures = suite.ok(suite.get(GEN, "/api/v1/jobs/" + id + "/failures"));
            assertThat(failures).hasSize(2).allSatisfy(f -> {
                assertThat(f.toString()).contains("too large");
                assertThat(f.get("attempts").asInt()).isEqualTo(1);
            });
            // failed for good at the first try: never asked again
            assertThat(teachers.seen("/" + teacher + "/v1/chat/completions")).hasSize(2);
            HttpResponse<String> items = suite.get(GEN, "/api/v1/datasets/" + id + "/items");
            assertThat(items.body().lines().filter(l -> !l.isBlank()).count()).as(items.body()).isZero();
            assertResponsive(GEN, "/api/v1/jobs");
        }
    }

    // ---- 8. bodies of 10 MB -------------------------------------------------------------------------------------

    @Test
    void aTenMegabyteJsonBodyIsA413AndAChunkedOneA411OnEveryJsonEndpoint() throws Exception {
        int endpoints = 0;
        for (String service : PackagedSuite.SERVICES) {
            JsonNode paths = suite.ok(suite.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(suite.url(service) + "/q/openapi?format=json")).build())).get("paths");
            for (var path : (Iterable<Map.Entry<String, JsonNode>>) paths::fields) {
                for (var op : (Iterable<Map.Entry<String, JsonNode>>) path.getValue()::fields) {
                    JsonNode json = op.getValue().at("/requestBody/content/application~1json/schema");
                    // a body bound to a schema; the NDJSON uploads that also take application/json stream and bound each line
                    if (!path.getKey().startsWith("/api/v1") || !json.has("$ref")) {
                        continue;
                    }
                    endpoints++;
                    String target = path.getKey().replaceAll("\\{[^}]+}", "1");
                    String method = op.getKey().toUpperCase();
                    String[] big = RawHttp.send(suite.url(service), method + " " + target + " HTTP/1.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + (10 << 20) + "\r\n", 10 << 20);
                    assertThat(big[0]).as(service + " " + method + " " + target).contains(" 413 ");
                    assertThat(big[1]).contains("application/problem+json").contains("\"title\"").contains("at most 1048576");
                    String[] chunked = RawHttp.send(suite.url(service), method + " " + target + " HTTP/1.1\r\nContent-Type: application/json\r\n"
                            + "Transfer-Encoding: chunked\r\n", "2\r\n{}\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(chunked[0]).as(service + " " + method + " " + target).contains(" 411 ");
                    assertThat(chunked[1]).contains("application/problem+json").contains("\"title\"");
                }
            }
            assertResponsive(service, "/api/v1/datasets");
        }
        assertThat(endpoints).isGreaterThanOrEqualTo(10);
    }

    // ---- 9. a degenerate answer --------------------------------------------------------------------------------

    @Test
    void aMegabyteOfUnclosedBoxesAndNestedBracesIsStoredPromptlyWithoutStallingTheService() throws Exception {
        String boxed = teachers.teacher("/boxed", ex -> {
            OutputStream out = StubServer.stream(ex);
            StringBuilder answer = new StringBuilder(1 << 20);
            while (answer.length() < 1 << 19) {
                answer.append("\\boxed{");
            }
            while (answer.length() < (1 << 20) - 8192) {
                answer.append(answer.length() % 3 == 0 ? "{\\boxed{" : "{{");
            }
            for (int at = 0; at < answer.length(); at += 4096) {
                out.write(StubServer.contentChunk(answer.substring(at, Math.min(answer.length(), at + 4096))));
            }
            out.write(StubServer.finish(300_000));
        });
        registerTeacher("boxed", boxed, "m", null);
        long started = System.nanoTime();
        long id = submit("boxed", contract.dataset("boxed", "question", StubServer.questions("boxed", 2)), "boxed", 1);
        JsonNode job = null;
        while (job == null || "running".equals(job.get("status").asText())) {
            assertResponsive(GEN, "/api/v1/teachers");
            job = suite.ok(suite.get(GEN, "/api/v1/jobs/" + id));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the job settles promptly").isLessThan(Duration.ofSeconds(60));
            Thread.sleep(200);
        }
        if ("complete".equals(job.get("status").asText())) {
            List<JsonNode> stored = traces(id);
            assertThat(stored).hasSize(2).allSatisfy(t -> assertThat(t.get("content").asText().length()).isGreaterThan(1 << 19));
        } else {
            assertThat(job.toString()).contains("too large");
        }
        assertResponsive(GEN, "/api/v1/jobs");
    }
}
