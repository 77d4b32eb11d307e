package dev.thoughtline.filter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.testing.ContractServer;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Question filters through the API, on datasets served by a real contract server. */
@QuarkusTest
class QuestionFilterTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ContractServer inputs = Inputs.server();

    static String question(String id, String text) {
        ObjectNode q = JSON.createObjectNode().put("id", id).put("text", text).put("domain", "math").put("source", "test");
        q.putObject("metadata");
        return q.toString();
    }

    static String words(SplittableRandom rnd, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int len = 3 + rnd.nextInt(6);
            for (int k = 0; k < len; k++) {
                b.append((char) ('a' + rnd.nextInt(26)));
            }
            b.append(i == n - 1 ? "?" : " ");
        }
        return b.toString();
    }

    @Test
    void nearDedupDropsPlantedNearDuplicatesAndNamesTheQuestionTheyCopy() {
        SplittableRandom rnd = new SplittableRandom(5);
        List<String> lines = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String text = words(rnd, 60);
            texts.add(text);
            lines.add(question("q" + i, text));
        }
        // ten near copies: one word changed, and an exact copy with different case and punctuation
        for (int i = 0; i < 10; i++) {
            String original = texts.get(i * 7);
            String edited = original.replaceFirst("^\\w+", "changed");
            lines.add(question("dup" + i, edited));
        }
        lines.add(question("exact", texts.get(3).toUpperCase().replace("?", "!!")));
        String input = inputs.add(lines, "complete");
        Map<String, Object> run = Runs.run("{\"name\":\"near-dedup-1\",\"input\":\"" + input + "\",\"steps\":["
                + "{\"type\":\"exact-dedup\"},{\"type\":\"near-dedup\",\"params\":{\"threshold\":90}}]}");
        assertThat(run.get("status")).isEqualTo("complete");
        assertThat(run.get("itemCount")).isEqualTo(311);
        assertThat(run.get("keptCount")).isEqualTo(300);
        List<Map<String, Object>> stats = (List<Map<String, Object>>) run.get("stats");
        assertThat(stats.get(0)).containsEntry("name", "exact-dedup").containsEntry("in", 311).containsEntry("out", 310);
        assertThat(stats.get(1)).containsEntry("name", "near-dedup").containsEntry("in", 310).containsEntry("out", 300);

        long id = ((Number) run.get("id")).longValue();
        List<Map<String, Object>> verdicts = Runs.all("/api/v1/filter-runs/" + id + "/verdicts");
        assertThat(verdicts).hasSize(311);
        for (int i = 0; i < 10; i++) {
            Map<String, Object> v = verdicts.get(300 + i);
            assertThat(v.get("id")).isEqualTo("dup" + i);
            assertThat(v.get("kept")).isEqualTo(false);
            assertThat(v.get("droppedBy")).isEqualTo("near-dedup");
            assertThat(((Map<String, Object>) v.get("reasons")).get("near-dedup").toString()).startsWith("near duplicate of q" + (i * 7) + " ");
        }
        assertThat(((Map<String, Object>) verdicts.get(310).get("reasons")).get("exact-dedup")).isEqualTo("duplicate of q3");

        // the output is a dataset of the contract: the kept items, unchanged, with scores
        String output = (String) run.get("output");
        String path = java.net.URI.create(output).getPath();
        Map<String, Object> info = io.restassured.RestAssured.given().get(path).then().statusCode(200).extract().jsonPath().getMap("");
        assertThat(info).containsEntry("kind", "filtered").containsEntry("status", "complete").containsEntry("itemCount", 300);
        assertThat((List<String>) info.get("parents")).containsExactly(input);
        List<Map<String, Object>> items = Runs.all(path + "/items");
        assertThat(items).hasSize(300);
        assertThat(items.get(0)).containsEntry("id", "q0").containsEntry("text", texts.get(0)).containsKey("scores");
    }

    @Test
    void keepRulesSelectByScoreWithTiesBrokenByInputOrder() {
        List<String> lines = new ArrayList<>();
        int[] lengths = {5, 9, 7, 9, 3, 12, 9, 1};
        SplittableRandom rnd = new SplittableRandom(9);
        for (int i = 0; i < lengths.length; i++) {
            lines.add(question("L" + i, words(rnd, lengths[i])));
        }
        String input = inputs.add(lines, "complete");
        Map<String, Object> top = Runs.run("{\"name\":\"top-3\",\"input\":\"" + input + "\",\"steps\":["
                + "{\"type\":\"length\",\"params\":{\"min\":2},\"keep\":{\"topN\":3}}]}");
        assertThat(top.get("keptCount")).isEqualTo(3);
        long id = ((Number) top.get("id")).longValue();
        List<Map<String, Object>> kept = Runs.all("/api/v1/datasets/" + id + "/items");
        // 12 first by position in the input, then the first two of the three 9s
        assertThat(kept).extracting(m -> m.get("id")).containsExactly("L1", "L3", "L5");
        List<Map<String, Object>> verdicts = Runs.all("/api/v1/filter-runs/" + id + "/verdicts");
        assertThat(((Map<String, Object>) verdicts.get(7).get("reasons")).get("length")).isEqualTo("length 1 words is below 2");
        assertThat(((Map<String, Object>) verdicts.get(6).get("reasons")).get("length")).isEqualTo("not in the top 3 by score");

        Map<String, Object> shortest = Runs.run("{\"name\":\"shortest-half\",\"input\":\"" + input + "\",\"steps\":["
                + "{\"type\":\"length\",\"keep\":{\"topFraction\":0.5,\"order\":\"asc\"}},"
                + "{\"type\":\"random\",\"params\":{\"seed\":3},\"keep\":{\"threshold\":0.0}}]}");
        long sid = ((Number) shortest.get("id")).longValue();
        assertThat(Runs.all("/api/v1/datasets/" + sid + "/items")).extracting(m -> m.get("id")).containsExactly("L0", "L2", "L4", "L7");
        List<Map<String, Object>> stats = (List<Map<String, Object>>) shortest.get("stats");
        Map<String, Object> histogram = (Map<String, Object>) stats.get(0).get("histogram");
        assertThat(histogram).containsEntry("scored", 8);
        assertThat(((Number) histogram.get("min")).doubleValue()).isEqualTo(1.0);
        assertThat(((Number) histogram.get("max")).doubleValue()).isEqualTo(12.0);
        assertThat((List<Integer>) histogram.get("counts")).hasSize(10).extracting(Integer::intValue).contains(1).doesNotContain(9);
    }

    @Test
    void theSameRequestAgainAnswersTheExistingRunAndADifferentOneUnderItsNameIsAConflict() {
        String input = inputs.add(List.of(question("a", "one two three"), question("b", "four five six")), "complete");
        String body = "{\"name\":\"again\",\"input\":\"" + input + "\",\"steps\":[{\"type\":\"exact-dedup\"}]}";
        long id = ((Number) Runs.run(body).get("id")).longValue();
        io.restassured.RestAssured.given().contentType("application/json").body(body).post("/api/v1/filter-runs")
                .then().statusCode(200).body("id", org.hamcrest.Matchers.equalTo((int) id));
        io.restassured.RestAssured.given().contentType("application/json")
                .body("{\"name\":\"again\",\"input\":\"" + input + "\",\"steps\":[{\"type\":\"random\"}]}").post("/api/v1/filter-runs")
                .then().statusCode(409).contentType("application/problem+json");
    }
}
