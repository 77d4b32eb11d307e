package dev.thoughtline.filter;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.testing.ContractServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** LLM steps as generation jobs on the real generation-service, with teacher-sim as the teacher. */
@QuarkusTest
class LlmStepTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ContractServer inputs = Inputs.server();
    static String teacher;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(GenerationServiceResource.url != null, "generation-service is not packaged: run ./mvnw verify");
        teacher = "sim-" + System.nanoTime();
        String body = "{\"name\":\"" + teacher + "\",\"baseUrl\":\"" + GenerationServiceResource.simUrl + "\",\"model\":\""
                + GenerationServiceResource.model + "\",\"limits\":{\"maxConcurrency\":16}}";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(GenerationServiceResource.url + "/api/v1/teachers"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @Test
    void difficultyRatingsFromTheTeacherSelectTheHardestQuestionsAfterEarlierSteps() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            lines.add(JSON.createObjectNode().put("id", "d" + i).put("text", "Compute " + i + " * 13 + " + (i * i) + " for round " + i + ".")
                    .put("domain", "math").put("source", "t").toString());
        }
        lines.add(lines.get(0).replace("\"d0\"", "\"copy\""));
        String input = inputs.add(lines, "complete");
        Map<String, Object> run = Runs.run("{\"name\":\"difficulty-1\",\"input\":\"" + input + "\",\"steps\":["
                + "{\"type\":\"exact-dedup\"},"
                + "{\"type\":\"llm-difficulty\",\"params\":{\"teacher\":\"" + teacher + "\",\"samples\":2},\"keep\":{\"topN\":10}}]}");
        assertThat(run.get("status")).as(String.valueOf(run.get("error"))).isEqualTo("complete");
        assertThat(run.get("keptCount")).isEqualTo(10);
        List<Map<String, Object>> stats = (List<Map<String, Object>>) run.get("stats");
        assertThat(stats.get(1)).containsEntry("in", 40).containsEntry("out", 10);
        long id = ((Number) run.get("id")).longValue();
        List<Map<String, Object>> verdicts = Runs.all("/api/v1/filter-runs/" + id + "/verdicts");
        List<Double> keptScores = new ArrayList<>();
        List<Double> droppedScores = new ArrayList<>();
        for (Map<String, Object> v : verdicts) {
            Object s = ((Map<String, Object>) v.get("scores")).get("llm-difficulty");
            if (s == null) {
                continue;
            }
            double d = ((Number) s).doubleValue();
            assertThat(d).isBetween(1.0, 10.0);
            (Boolean.TRUE.equals(v.get("kept")) ? keptScores : droppedScores).add(d);
        }
        // the copy never reached the LLM step; every kept rating is at least every dropped one
        assertThat(keptScores.size() + droppedScores.size()).isEqualTo(40);
        assertThat(keptScores.stream().mapToDouble(Double::doubleValue).min().orElseThrow())
                .isGreaterThanOrEqualTo(droppedScores.stream().mapToDouble(Double::doubleValue).max().orElseThrow());

        // the same request again answers the run, and its job is not asked twice
        io.restassured.RestAssured.given().contentType(ContentType.JSON).body("{\"name\":\"difficulty-1\",\"input\":\"" + input + "\",\"steps\":["
                        + "{\"type\":\"exact-dedup\"},{\"type\":\"llm-difficulty\",\"params\":{\"teacher\":\"" + teacher
                        + "\",\"samples\":2},\"keep\":{\"topN\":10}}]}")
                .post("/api/v1/filter-runs").then().statusCode(200);
    }

    @Test
    void responseLengthScoresAreTheTeachersCompletionTokens() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            lines.add(JSON.createObjectNode().put("id", "r" + i).put("text", "What is " + i + " + " + (i + 7) + "?").put("domain", "math").toString());
        }
        String input = inputs.add(lines, "complete");
        Map<String, Object> run = Runs.run("{\"name\":\"length-probe\",\"input\":\"" + input + "\",\"steps\":["
                + "{\"type\":\"response-length\",\"params\":{\"teacher\":\"" + teacher + "\"},\"keep\":{\"topFraction\":0.5}}]}");
        assertThat(run.get("status")).as(String.valueOf(run.get("error"))).isEqualTo("complete");
        assertThat(run.get("keptCount")).isEqualTo(6);
    }

    @Test
    void theJudgeKeepsTheTracesItJudgesCorrectAndDropsTheOthersWithTheReason() {
        // teacher-sim judges an arithmetic question's boxed response: yes when it is the value
        List<String> traces = new ArrayList<>();
        String[] answers = {"42", "41", "42", "43"};
        for (int i = 0; i < answers.length; i++) {
            traces.add(JSON.createObjectNode().put("id", "j#" + i).put("questionId", "j").put("text", "What is 12 + 30?")
                    .put("sampleIndex", i).put("reasoning", "add").put("content", "So it is \\boxed{" + answers[i] + "}.")
                    .put("finishReason", "stop").put("completionTokens", 5).toString());
        }
        String input = inputs.add(traces, "complete", "trace");
        Map<String, Object> run = Runs.run("{\"name\":\"judge-arith\",\"input\":\"" + input + "\",\"steps\":["
                + "{\"type\":\"llm-judge\",\"params\":{\"teacher\":\"" + teacher + "\"}}]}");
        assertThat(run.get("status")).as(String.valueOf(run.get("error"))).isEqualTo("complete");
        long id = ((Number) run.get("id")).longValue();
        List<Map<String, Object>> verdicts = Runs.all("/api/v1/filter-runs/" + id + "/verdicts");
        assertThat(verdicts).extracting(v -> v.get("kept")).containsExactly(true, false, true, false);
        assertThat(((Number) ((Map<String, Object>) verdicts.get(0).get("scores")).get("llm-judge")).doubleValue()).isEqualTo(1.0);
        assertThat(((Map<String, Object>) verdicts.get(1).get("reasons")).get("llm-judge")).isEqualTo("judged not to meet the criteria");
        assertThat(verdicts.get(1).get("droppedBy")).isEqualTo("llm-judge");
    }

    @Test
    void aJudgeAnswerThatCannotBeParsedIsARecordedFailureNotACrash() {
        // teacher-sim cannot judge a question without arithmetic: it answers a number, not yes or no
        List<String> traces = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            traces.add(JSON.createObjectNode().put("id", "t#" + i).put("questionId", "t").put("text", "Name prime number " + (char) ('a' + i) + ".")
                    .put("sampleIndex", i).put("reasoning", "add").put("content", "\\boxed{" + (2 + i) + "}").put("finishReason", "stop")
                    .put("completionTokens", 5).toString());
        }
        String input = inputs.add(traces, "complete", "trace");
        Map<String, Object> run = Runs.run("{\"name\":\"judge-unparsable\",\"input\":\"" + input + "\",\"steps\":["
                + "{\"type\":\"llm-judge\",\"params\":{\"teacher\":\"" + teacher + "\"}}]}");
        assertThat(run.get("status")).as(String.valueOf(run.get("error"))).isEqualTo("complete");
        assertThat(run.get("keptCount")).isEqualTo(0);
        long id = ((Number) run.get("id")).longValue();
        for (Map<String, Object> v : Runs.all("/api/v1/filter-runs/" + id + "/verdicts")) {
            assertThat(((Map<String, Object>) v.get("reasons")).get("llm-judge").toString())
                    .startsWith("no answer could be parsed as a yes or no: ");
        }
    }

    @Test
    void anUnknownTeacherFailsTheRunWithGenerationServicesReason() {
        String input = inputs.add(List.of(JSON.createObjectNode().put("id", "x").put("text", "What is 1 + 1?").toString()), "complete");
        Map<String, Object> run = Runs.run("{\"name\":\"no-teacher\",\"input\":\"" + input + "\",\"steps\":["
                + "{\"type\":\"ask-llm\",\"params\":{\"teacher\":\"nobody\"}}]}");
        assertThat(run.get("status")).isEqualTo("failed");
        assertThat(run.get("error").toString()).contains("generation-service answered").contains("nobody");
    }
}
