package dev.thoughtline.filter;

import dev.thoughtline.testing.ContractServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/** What a user can get wrong: a clear 4xx naming the problem, or a run that fails with its reason; never a 500. */
@QuarkusTest
class BadInputTest {

    static final ContractServer inputs = Inputs.server();
    static String questions;

    @BeforeAll
    static void start() {
        questions = inputs.questions("bad", 5);
    }

    private static void refused(String body, int status, String detail) {
        given().contentType(ContentType.JSON).body(body).post("/api/v1/filter-runs").then().statusCode(status)
                .contentType("application/problem+json").body("detail", containsString(detail));
    }

    private static String run(String name, String steps) {
        return "{\"name\":\"" + name + "\",\"input\":\"" + questions + "\",\"steps\":" + steps + "}";
    }

    @Test
    void requestsThatCannotBeRunsAreRefusedWithWhatToFix() {
        refused("{\"input\":\"" + questions + "\",\"steps\":[{\"type\":\"random\"}]}", 400, "name is required");
        refused("{\"name\":\"x\",\"steps\":[{\"type\":\"random\"}]}", 400, "input is required");
        refused("{\"name\":\"x\",\"input\":\"not a url\",\"steps\":[{\"type\":\"random\"}]}", 400, "input");
        refused(run("x", "[]"), 400, "at least one step");
        refused(run("x", "[{\"type\":\"sharpen\"}]"), 400, "unknown type 'sharpen'; types: ask-llm, decontaminate, embedding, exact-dedup");
        refused(run("x", "[{}]"), 400, "type is required");
        refused(run("x", "[{\"type\":\"near-dedup\",\"params\":{\"threshold\":150}}]"), 400, "step 1 (near-dedup): threshold must be a number from 1 to 100");
        refused(run("x", "[{\"type\":\"near-dedup\",\"params\":{\"bands\":64,\"rows\":4}}]"), 400, "bands x rows");
        refused(run("x", "[{\"type\":\"near-dedup\",\"params\":{\"treshold\":90}}]"), 400, "unknown parameter 'treshold'");
        refused(run("x", "[{\"type\":\"length\",\"params\":{\"min\":10,\"max\":5}}]"), 400, "min must not be above max");
        refused(run("x", "[{\"type\":\"random\",\"keep\":{\"topN\":3,\"threshold\":0.5}}]"), 400, "exactly one of topN, topFraction, threshold");
        refused(run("x", "[{\"type\":\"random\",\"keep\":{\"topFraction\":1.5}}]"), 400, "topFraction must be in (0, 1]");
        refused(run("x", "[{\"type\":\"random\",\"keep\":{\"topN\":0}}]"), 400, "topN must be at least 1");
        refused(run("x", "[{\"type\":\"decontaminate\"}]"), 400, "benchmarks must list at least one");
        refused(run("x", "[{\"type\":\"llm-difficulty\"}]"), 400, "teacher is required");
        refused(run("x", "[{\"type\":\"llm-difficulty\",\"params\":{\"teacher\":\"t\",\"rubric\":\"poetry\"}}]"), 400,
                "rubric must be one of code, math, science");
        refused(run("x", "[{\"type\":\"llm-judge\",\"params\":{\"teacher\":\"t\"}}]"), 400, "reads traces");
        refused(run("x", "[{\"type\":\"random\"},{\"type\":\"random\"}]"), 400, "give this one a name");
        refused(run("x", "[{\"type\":\"verify\"}]"), 400, "step verify reads traces, but " + questions + " is a question dataset");
        refused("{\"name\":\"x\",\"input\":\"" + inputs.missing() + "\",\"steps\":[{\"type\":\"random\"}]}", 422, "cannot be read");
        refused("{\"name\":\"x\",\"input\":\"" + inputs.add(List.of(), "building") + "\",\"steps\":[{\"type\":\"random\"}]}", 422,
                "only a complete dataset");
        // a benchmark the outbound policy refuses: refused before the run exists, not when it reads the benchmark
        refused(run("x", "[{\"type\":\"decontaminate\",\"params\":{\"benchmarks\":[\"http://169.254.169.254/api/v1/datasets/1\"]}}]"),
                422, "benchmark http://169.254.169.254/api/v1/datasets/1 is refused by the outbound policy");
        refused("{\"name\":", 400, "");
        given().get("/api/v1/filter-runs/987654").then().statusCode(404).contentType("application/problem+json");
        given().get("/api/v1/datasets/987654/items").then().statusCode(404);
        given().get("/api/v1/filter-runs/987654/verdicts?limit=0").then().statusCode(400);
    }

    @Test
    void anInputWithMalformedLinesFailsTheRunWithTheReason() {
        String input = inputs.add(List.of("{\"id\":\"a\",\"text\":\"fine\"}", "{not json"), "complete");
        Map<String, Object> run = Runs.run("{\"name\":\"malformed\",\"input\":\"" + input + "\",\"steps\":[{\"type\":\"exact-dedup\"}]}");
        assertThat(run.get("status")).isEqualTo("failed");
        assertThat(run.get("error").toString()).contains(input);
        long id = ((Number) run.get("id")).longValue();
        given().get("/api/v1/datasets/" + id).then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("failed"));
        given().get("/api/v1/datasets/" + id + "/items").then().statusCode(409);
    }

    @Test
    void anUnreachableBenchmarkFailsTheRunWithTheReason() {
        Map<String, Object> run = Runs.run(run("bad-benchmark", "[{\"type\":\"decontaminate\",\"params\":{\"benchmarks\":[\""
                + inputs.missing() + "\"]}}]"));
        assertThat(run.get("status")).isEqualTo("failed");
        assertThat(run.get("error").toString()).contains("404");
    }
}
