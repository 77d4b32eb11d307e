package dev.thoughtline.generation;

import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import dev.thoughtline.testing.ContractServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.thoughtline.generation.Api.awaitStatus;
import static dev.thoughtline.generation.Api.items;
import static dev.thoughtline.generation.Api.submit;
import static dev.thoughtline.generation.Api.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

/**
 * What a caller with a valid token can make generation-service send or read: keys only from their own namespace and
 * only to their teacher, the service token never to a URL the caller named, and no teacher answering for another
 * from the request cache. The test JVM has {@code THOUGHTLINE_TEACHER_KEY_TEST} in its environment (the pom) and the
 * service sends {@code test-service-token} on its calls to the suite (application.properties).
 */
@QuarkusTest
class TrustBoundaryTest {

    private static final String KEY = "sk-test-key-1";

    static ContractServer inputs;

    @Inject
    Pool pool;

    @BeforeAll
    static void start() {
        inputs = new ContractServer();
    }

    @AfterAll
    static void stop() {
        inputs.close();
    }

    private static String teacherBody(String name, String baseUrl, String model, String keyEnv, String namespace) {
        return "{\"name\":\"" + name + "\",\"baseUrl\":\"" + baseUrl + "\",\"model\":\"" + model + "\""
                + (keyEnv == null ? "" : ",\"apiKeyEnv\":\"" + keyEnv + "\"")
                + (namespace == null ? "" : ",\"cacheNamespace\":\"" + namespace + "\"") + ",\"limits\":{\"maxConcurrency\":16}}";
    }

    @Test
    void noEnvironmentVariableOutsideTheTeacherKeyNamespaceCanBeNamedAsAKey() {
        for (String variable : List.of("QUARKUS_DATASOURCE_PASSWORD", "THOUGHTLINE_AUTH_TOKENS", "THOUGHTLINE_AUTH_TOKEN", "PATH",
                "thoughtline_teacher_key_x", "THOUGHTLINE_TEACHER_KEY_")) {
            String name = unique("exfil");
            given().contentType(ContentType.JSON).body(teacherBody(name, "http://vllm:8000/v1", "m", variable, null))
                    .post("/api/v1/teachers").then().statusCode(400).contentType("application/problem+json")
                    .body("detail", containsString("THOUGHTLINE_TEACHER_KEY_"));
            given().get("/api/v1/teachers").then().statusCode(200).body(not(containsString(name)));
        }
    }

    @Test
    void aTeacherKeyGoesToItsTeacherAndANameOutsideTheNamespaceIsNeverRead() throws Exception {
        try (TeacherSim keyed = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 20).with("tokens-sd", 2));
             TeacherSim legacy = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 20).with("tokens-sd", 2))) {
            String name = unique("keyed");
            given().contentType(ContentType.JSON).body(teacherBody(name, keyed.baseUrl(), "teacher-sim", "THOUGHTLINE_TEACHER_KEY_TEST", null))
                    .post("/api/v1/teachers").then().statusCode(201)
                    .body("apiKeyPresent", org.hamcrest.Matchers.equalTo(true)).body(not(containsString(KEY)));
            awaitStatus(submit(unique("job"), inputs.questions(unique("k"), 3), name, 2, "{}"), "complete", Duration.ofMinutes(1));
            assertThat(keyed.authorizations()).containsOnly("Bearer " + KEY);

            // a row written before keys had a namespace of their own, naming any variable: it is never read
            String old = unique("legacy");
            pool.preparedQuery("INSERT INTO teacher (name, base_url, model, api_key_env, max_concurrency, input_per_mtok, "
                            + "output_per_mtok, supports_n, created_at) VALUES ($1, $2, 'teacher-sim', 'PATH', 16, 0, 0, false, now())")
                    .execute(Tuple.of(old, legacy.baseUrl())).await().atMost(Duration.ofSeconds(10));
            given().get("/api/v1/teachers").then().statusCode(200).body(not(containsString(System.getenv("PATH"))));
            awaitStatus(submit(unique("job"), inputs.questions(unique("k"), 3), old, 2, "{}"), "complete", Duration.ofMinutes(1));
            assertThat(legacy.authorizations()).containsOnly("none");
        }
    }

    @Test
    void theServiceTokenIsNeverSentToAnInputOrTeacherACallerNamed() {
        try (TeacherSim sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 20).with("tokens-sd", 2))) {
            String teacher = Api.teacher(sim.baseUrl(), "teacher-sim", "{\"maxConcurrency\":8}", false);
            String input = inputs.questions(unique("t"), 4);
            awaitStatus(submit(unique("job"), input, teacher, 1, "{}"), "complete", Duration.ofMinutes(1));
            assertThat(inputs.authorizations()).doesNotContain("Bearer test-service-token").contains("none");
            assertThat(sim.authorizations()).containsOnly("none");
        }
    }

    @Test
    void aDatasetRefOrTeacherAtAMetadataAddressIsRefusedBeforeAnyRequest() {
        String teacher = Api.teacher("http://localhost:9/v1", "m", "{\"maxConcurrency\":1}", false);
        given().contentType(ContentType.JSON).body(Api.jobBody(unique("meta"), "http://169.254.169.254/latest/meta-data", teacher, 1, "{}"))
                .post("/api/v1/jobs").then().statusCode(422).contentType("application/problem+json")
                .body("detail", containsString("link-local, metadata or reserved"));
        for (String url : List.of("http://169.254.169.254/v1", "http://[fd00:ec2::254]/v1", "http://[::ffff:169.254.169.254]/v1")) {
            given().contentType(ContentType.JSON).body(teacherBody(unique("meta"), url, "m", null, null))
                    .post("/api/v1/teachers").then().statusCode(422).contentType("application/problem+json")
                    .body("detail", containsString("outbound policy"));
        }
    }

    /** Sends a request head and the first bytes of its body on a socket, and reads the answer's status line and body. */
    private static String[] raw(String head, int bodyBytes) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("localhost", io.restassured.RestAssured.port)) {
            socket.setSoTimeout(10_000);
            var out = socket.getOutputStream();
            out.write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(new byte[bodyBytes]);
            out.flush();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            String status = in.readLine();
            StringBuilder rest = new StringBuilder();
            int length = 0;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                rest.append(line).append('\n');
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).strip());
                }
            }
            char[] body = new char[length];
            int read = 0;
            while (read < length) {
                int n = in.read(body, read, length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            return new String[] {status, rest.append(body, 0, read).toString()};
        }
    }

    @Test
    void aJsonBodyOverTheLimitIsRefusedBeforeItIsReadAndAChunkedOneMustSayItsLength() throws Exception {
        // 10 MB announced, 1 KB sent: the answer comes without the rest
        String[] tooLarge = raw("POST /api/v1/jobs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + (10 << 20) + "\r\nConnection: close\r\n\r\n", 1024);
        assertThat(tooLarge[0]).contains(" 413 ");
        assertThat(tooLarge[1]).contains("application/problem+json").contains("at most 1048576");
        String[] chunked = raw("POST /api/v1/teachers HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 0);
        assertThat(chunked[0]).contains(" 411 ");
        given().get("/api/v1/jobs").then().statusCode(200);
    }

    @Test
    void aTracePageStopsAtItsByteBudgetAndLinksToTheRest() {
        try (TeacherSim sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 3000).with("tokens-sd", 10).with("itl-ms", 0))) {
            String teacher = Api.teacher(sim.baseUrl(), "teacher-sim", "{\"maxConcurrency\":16}", false);
            long id = submit(unique("long"), inputs.questions(unique("l"), 20), teacher, 3, "{}");
            awaitStatus(id, "complete", Duration.ofMinutes(2));
            var first = given().get("/api/v1/datasets/" + id + "/items?limit=10000").then().statusCode(200).extract();
            int count = Integer.parseInt(first.header("X-Item-Count"));
            // the test profile's budget is 256 KiB; an item is about 10 KB
            assertThat(count).isBetween(1, 59);
            assertThat(first.asByteArray().length).isLessThan((256 << 10) + 64 * 1024);
            assertThat(first.header("Link")).contains("limit=10000");
            assertThat(items(id, 10_000)).hasSize(60).extracting(t -> t.get("id")).doesNotHaveDuplicates();
            // without a limit the page is as large as the default allows, and still links on
            assertThat(given().get("/api/v1/datasets/" + id + "/items").then().statusCode(200).extract().header("Link"))
                    .doesNotContain("limit=").contains("after=");
        }
    }

    @Test
    void aTeacherOnAnotherEndpointWithTheSameModelNameNeverAnswersFromAnothersCache() {
        // the attacker's endpoint answers every question right; the victim's never does
        try (TeacherSim attacker = TeacherSim.start(SimConfig.defaults().with("accuracy", 1.0).with("tokens-mean", 20).with("tokens-sd", 2));
             TeacherSim victim = TeacherSim.start(SimConfig.defaults().with("accuracy", 0.0).with("tokens-mean", 20).with("tokens-sd", 2))) {
            String input = inputs.questions(unique("p"), 5);
            String evil = Api.teacher(attacker.baseUrl(), "teacher-sim", "{\"maxConcurrency\":8}", false);
            awaitStatus(submit(unique("poison"), input, evil, 2, "{}"), "complete", Duration.ofMinutes(1));

            String honest = Api.teacher(victim.baseUrl(), "teacher-sim", "{\"maxConcurrency\":8}", false);
            long id = submit(unique("eval"), input, honest, 2, "{}");
            JsonPath job = awaitStatus(id, "complete", Duration.ofMinutes(1));
            assertThat(job.getLong("cached")).isZero();
            assertThat(victim.requests()).isEqualTo(10);
            List<Map<String, Object>> traces = items(id, 100);
            assertThat(traces).hasSize(10).allSatisfy(t -> assertThat(t.get("cached")).isEqualTo(false));

            // another teacher on the victim's own endpoint shares its samples; a namespace keeps them apart
            String alias = Api.teacher(victim.baseUrl() + "/", "teacher-sim", "{\"maxConcurrency\":8}", false);
            assertThat(awaitStatus(submit(unique("alias"), input, alias, 2, "{}"), "complete", Duration.ofMinutes(1)).getLong("cached")).isEqualTo(10);
            String apart = unique("apart");
            given().contentType(ContentType.JSON).body(teacherBody(apart, victim.baseUrl(), "teacher-sim", null, "run-2"))
                    .post("/api/v1/teachers").then().statusCode(201).body("cacheNamespace", org.hamcrest.Matchers.equalTo("run-2"));
            assertThat(awaitStatus(submit(unique("apart"), input, apart, 2, "{}"), "complete", Duration.ofMinutes(1)).getLong("cached")).isZero();
            assertThat(victim.requests()).isEqualTo(20);
        }
    }
}
