package dev.thoughtline.filter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.testing.ContractServer;
import dev.thoughtline.testing.SharedData;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Decontamination against benchmark datasets served through the contract. */
@QuarkusTest
class DecontaminationTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ContractServer inputs = Inputs.server();

    static String question(String id, String text) {
        return JSON.createObjectNode().put("id", id).put("text", text).put("domain", "math").put("source", "t").toString();
    }

    static String benchmark(String id, String text, String answer) {
        return JSON.createObjectNode().put("id", id).put("text", text).put("answer", answer).put("answerType", "integer").toString();
    }

    @Test
    void catchesSharedThirteenGramsAndCloseParaphrasesAndNamesTheBenchmarkItem() {
        String bench = inputs.add(List.of(
                benchmark("b1", "Find the number of ordered pairs of positive integers whose product is one hundred and whose sum is odd.", "4"),
                benchmark("b2", "A circle is inscribed in a square of side ten; find the area of the region inside the square but outside the circle.", "21")),
                "complete", "benchmark");
        String input = inputs.add(List.of(
                question("clean", "How many prime numbers are there between ten and fifty inclusive?"),
                question("ngram", "Warm up first. Find the number of ordered pairs of positive integers whose product is one hundred and whose sum is odd, please."),
                question("fuzzy", "A circle is inscribed in a square of side 10; find the area of the region inside the square but outside of the circle!")),
                "complete");
        Map<String, Object> run = Runs.run("{\"name\":\"decon-small\",\"input\":\"" + input + "\",\"steps\":[{\"type\":\"decontaminate\","
                + "\"params\":{\"benchmarks\":[\"" + bench + "\"]}}]}");
        assertThat(run.get("status")).isEqualTo("complete");
        long id = ((Number) run.get("id")).longValue();
        List<Map<String, Object>> v = Runs.all("/api/v1/filter-runs/" + id + "/verdicts");
        assertThat(v).extracting(m -> m.get("kept")).containsExactly(true, false, false);
        assertThat(((Map<String, Object>) v.get(1).get("reasons")).get("decontaminate").toString())
                .isEqualTo("shares a 13-word sequence with " + bench + " item b1");
        assertThat(((Map<String, Object>) v.get(2).get("reasons")).get("decontaminate").toString())
                .startsWith("Indel ratio ").endsWith(" to " + bench + " item b2");
    }

    @Test
    void realGsm8kWithPlantedBenchmarkCopiesLosesExactlyThePlantedOnes() throws IOException {
        Path gsm8k = SharedData.file("sources/gsm8k_test.jsonl").orElse(null);
        Assumptions.assumeTrue(gsm8k != null, "../shared/data is not here");
        List<String> benchmarks = new ArrayList<>();
        List<String> planted = new ArrayList<>();
        List<String> questionLines = new ArrayList<>();
        for (String name : List.of("aime24", "aime25", "amc23", "hmmt_feb25", "math500")) {
            Path file = SharedData.file("benchmarks/" + name + ".jsonl").orElseThrow();
            List<String> lines = new ArrayList<>();
            int n = 0;
            for (String line : Files.readAllLines(file)) {
                JsonNode row = JSON.readTree(line);
                lines.add(benchmark(row.get("id").asText(), row.get("problem").asText(), row.get("answer").asText()));
                // every tenth benchmark item is planted in the questions, lightly reworded at its start
                if (n++ % 10 == 0) {
                    String id = "planted-" + name + "-" + row.get("id").asText();
                    planted.add(id);
                    questionLines.add(question(id, "Solve: " + row.get("problem").asText()));
                }
            }
            benchmarks.add(inputs.add(lines, "complete", "benchmark"));
        }
        int gsm = 0;
        for (String line : Files.readAllLines(gsm8k)) {
            JsonNode row = JSON.readTree(line);
            questionLines.add(question("gsm8k-" + gsm++, row.get("question").asText()));
        }
        String input = inputs.add(questionLines, "complete");
        ObjectNode body = JSON.createObjectNode().put("name", "decon-real").put("input", input);
        ObjectNode step = body.putArray("steps").addObject().put("type", "decontaminate");
        benchmarks.forEach(step.putObject("params").putArray("benchmarks")::add);
        Map<String, Object> run = Runs.run(body.toString());
        assertThat(run.get("status")).isEqualTo("complete");
        long id = ((Number) run.get("id")).longValue();
        Set<String> dropped = new HashSet<>();
        for (Map<String, Object> v : Runs.all("/api/v1/filter-runs/" + id + "/verdicts?limit=5000")) {
            if (Boolean.FALSE.equals(v.get("kept"))) {
                dropped.add((String) v.get("id"));
            }
        }
        assertThat(dropped).containsAll(planted);
        // GSM8K's test questions are not in these benchmarks: none of them may be lost
        assertThat(dropped.stream().filter(d -> d.startsWith("gsm8k-"))).isEmpty();
        System.out.printf("decontamination: all %d planted benchmark items caught; all %d GSM8K test questions kept%n",
                planted.size(), gsm);
    }
}
