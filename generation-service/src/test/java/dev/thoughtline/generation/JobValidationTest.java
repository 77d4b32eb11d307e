package dev.thoughtline.generation;

import dev.thoughtline.testing.ContractServer;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.thoughtline.generation.Api.jobBody;
import static dev.thoughtline.generation.Api.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** What a user can get wrong when submitting a job: a clear 4xx, or a job that fails with a readable reason. */
@QuarkusTest
class JobValidationTest {

    static ContractServer inputs;
    static TeacherSim sim;
    static String teacher;

    @BeforeAll
    static void start() {
        inputs = new ContractServer();
        sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 10).with("tokens-sd", 2));
    }

    @AfterAll
    static void stop() {
        inputs.close();
        sim.close();
    }

    private static String teacher() {
        if (teacher == null) {
            teacher = Api.teacher(sim.baseUrl(), "teacher-sim", "{\"maxConcurrency\":8}", false);
        }
        return teacher;
    }

    private static void refused(String body, int status, String detail) {
        given().contentType(ContentType.JSON).body(body).post("/api/v1/jobs").then().statusCode(status)
                .contentType("application/problem+json").body("detail", containsString(detail));
    }

    @Test
    void refusesRequestsThatCannotBeJobs() {
        String input = inputs.questions(unique("v"), 3);
        String t = teacher();
        refused("", 400, "body is empty");
        refused("{\"input\":\"" + input + "\",\"teacher\":\"" + t + "\",\"promptTemplate\":\"{{text}}\"}", 400, "name is required");
        refused(jobBody(unique("j"), "ftp://nowhere/d/1", t, 1, "{}"), 400, "input is not a DatasetRef");
        refused(jobBody(unique("j"), input, t, 0, "{}"), 400, "samplesPerItem must be between 1 and 1024");
        refused(jobBody(unique("j"), input, t, 1_000_000, "{}"), 400, "samplesPerItem must be between 1 and 1024");
        refused(jobBody(unique("j"), input, t, 1, "{\"n\":4}"), 400, "params.n is set by the service");
        refused(jobBody(unique("j"), input, t, 1, "{\"temperature\":7}"), 400, "temperature must be a number from 0 to 2");
        refused(jobBody(unique("j"), input, t, 1, "{\"maxTokens\":-3}"), 400, "max_tokens must be a positive integer");
        refused(jobBody(unique("j"), input, t, 1, "[1,2]"), 400, "params must be a JSON object");
        refused(jobBody(unique("j"), input, t, 1, "{}").replace("Solve: {{text}}", "Solve: {{text"), 400, "never closed");
        refused(jobBody(unique("j"), input, t, 1, "{}").replace("Solve: {{text}}", "Solve this"), 400, "uses no field");
        refused(jobBody(unique("j"), input, "no-such-teacher", 1, "{}"), 422, "no teacher is named 'no-such-teacher'");
    }

    @Test
    void refusesInputsThatCannotBeRead() {
        String t = teacher();
        refused(jobBody(unique("j"), inputs.missing(), t, 1, "{}"), 422, "answered 404");
        refused(jobBody(unique("j"), inputs.add(List.of("{not json"), "complete"), t, 1, "{}"), 422, "cannot be read");
        refused(jobBody(unique("j"), inputs.add(List.of("{\"id\":\"1\",\"text\":\"x\"}"), "building"), t, 1, "{}"), 409, "still building");
        refused(jobBody(unique("j"), inputs.questions(unique("v"), 2), t, 1, "{}").replace("{{text}}", "{{metadata.level}}"),
                422, "has no field 'metadata.level'");
    }

    @Test
    void refusesATeacherThatDoesNotAnswer() {
        String dead = Api.teacher("http://localhost:1/v1", "m", "{\"maxConcurrency\":2}", false);
        refused(jobBody(unique("j"), inputs.questions(unique("v"), 2), dead, 1, "{}"), 422, "does not answer");
    }

    @Test
    void theSameNameIsTheSameJobAndAnotherRequestUnderItConflicts() {
        String input = inputs.questions(unique("v"), 3);
        String name = unique("same");
        long id = Api.submit(name, input, teacher(), 2, "{}");
        given().contentType(ContentType.JSON).body(jobBody(name, input, teacher(), 2, "{}")).post("/api/v1/jobs")
                .then().statusCode(200).body("id", equalTo((int) id));
        refused(jobBody(name, input, teacher(), 3, "{}"), 409, "exists with another request");
        Api.awaitStatus(id, "complete", Duration.ofMinutes(1));
    }

    @Test
    void anInputThatBreaksAfterItsFirstItemFailsTheJobWithTheReason() {
        String malformedLater = inputs.add(List.of("{\"id\":\"1\",\"text\":\"What is 1 + 1?\"}", "{\"id\":\"2\",\"text\":\"ok\"}", "{broken"),
                "complete");
        long a = Api.submit(unique("broken"), malformedLater, teacher(), 1, "{}");
        JsonPath failed = Api.awaitStatus(a, "failed", Duration.ofMinutes(1));
        assertThat(failed.getString("error")).contains("cannot read the input").contains("malformed");
        given().get("/api/v1/datasets/" + a).then().statusCode(200).body("status", equalTo("failed"));

        String missingField = inputs.add(List.of("{\"id\":\"1\",\"text\":\"What is 2 + 2?\"}", "{\"id\":\"2\"}"), "complete");
        long b = Api.submit(unique("nofield"), missingField, teacher(), 1, "{}");
        assertThat(Api.awaitStatus(b, "failed", Duration.ofMinutes(1)).getString("error"))
                .contains("item 2 has no field 'text'");
    }

    @Test
    void aTeacherThatRefusesEveryRequestFailsTheJobWithItsMessage() {
        String wrongModel = Api.teacher(sim.baseUrl(), "no-such-model", "{\"maxConcurrency\":4}", false);
        long id = Api.submit(unique("refused"), inputs.questions(unique("v"), 3), wrongModel, 2, "{}");
        JsonPath job = Api.awaitStatus(id, "failed", Duration.ofMinutes(1));
        assertThat(job.getString("error")).contains("every sample failed").contains("404").contains("no-such-model");
        assertThat(job.getLong("failed")).isEqualTo(6);
        // refused at once: one request per sample, no retries
        assertThat(job.getLong("requests")).isEqualTo(6);
        given().get("/api/v1/jobs/" + id + "/failures").then().statusCode(200).body("size()", equalTo(6))
                .body("[0].attempts", equalTo(1));
    }

    @Test
    void unknownJobsAndDatasetsAndBadCursorsAreClientErrors() {
        given().get("/api/v1/jobs/987654").then().statusCode(404).contentType("application/problem+json");
        // an event stream of no job: a problem, not an event stream that breaks off
        given().accept("text/event-stream").get("/api/v1/jobs/987654/events").then().statusCode(404)
                .contentType("application/problem+json").body("detail", equalTo("job 987654 does not exist"));
        given().post("/api/v1/jobs/987654/pause").then().statusCode(404);
        given().get("/api/v1/datasets/987654").then().statusCode(404);
        long id = Api.submit(unique("cursor"), inputs.questions(unique("v"), 2), teacher(), 1, "{}");
        given().get("/api/v1/datasets/" + id + "/items?after=-1").then().statusCode(400);
        given().get("/api/v1/datasets/" + id + "/items?after=abc").then().statusCode(400);
        given().get("/api/v1/datasets/" + id + "/items?limit=0").then().statusCode(400);
        given().get("/api/v1/datasets/" + id + "/items?limit=10001").then().statusCode(400);
        given().get("/api/v1/teachers/987654/usage").then().statusCode(404);
    }
}
