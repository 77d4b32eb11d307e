package dev.thoughtline.filter;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.testing.ContractServer;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedding step with all-MiniLM-L6-v2 running in process. */
@QuarkusTest
class EmbeddingStepTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ContractServer inputs = Inputs.server();

    @Test
    void questionsLikeThePositiveExamplesOutscoreTheOthers() {
        List<String> math = List.of("Find all real x such that x^2 - 5x + 6 = 0.", "What is the sum of the first 100 positive integers?",
                "Prove that the square root of 2 is irrational.", "How many ways can 5 people sit around a round table?",
                "Compute the derivative of sin(x) * e^x.", "Find the area of a triangle with sides 3, 4 and 5.");
        List<String> cooking = List.of("How long should I boil an egg for a runny yolk?", "What is a good substitute for buttermilk in pancakes?",
                "Why does my bread dough not rise?", "How do I keep basil fresh in the fridge?",
                "Which wine goes well with grilled salmon?", "How do I make a roux for gumbo?");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            lines.add(JSON.createObjectNode().put("id", "c" + i).put("text", cooking.get(i)).toString());
            lines.add(JSON.createObjectNode().put("id", "m" + i).put("text", math.get(i)).toString());
        }
        String input = inputs.add(lines, "complete");
        Map<String, Object> run = Runs.run("{\"name\":\"embedding-1\",\"input\":\"" + input + "\",\"steps\":[{\"type\":\"embedding\",\"params\":{"
                + "\"positive\":[\"Solve the equation for the unknown integer n.\",\"Prove the inequality for all positive reals.\"],"
                + "\"negative\":[\"A recipe for chocolate chip cookies.\"]},\"keep\":{\"topN\":4}}]}");
        assertThat(run.get("status")).as(String.valueOf(run.get("error"))).isEqualTo("complete");
        long id = ((Number) run.get("id")).longValue();
        assertThat(Runs.all("/api/v1/datasets/" + id + "/items")).extracting(m -> (String) m.get("id")).hasSize(4)
                .allMatch(i -> i.startsWith("m"));
        double mathScore = 0;
        double cookingScore = 0;
        for (Map<String, Object> v : Runs.all("/api/v1/filter-runs/" + id + "/verdicts")) {
            double s = ((Number) ((Map<String, Object>) v.get("scores")).get("embedding")).doubleValue();
            if (((String) v.get("id")).startsWith("m")) {
                mathScore += s / 6;
            } else {
                cookingScore += s / 6;
            }
        }
        assertThat(mathScore).isGreaterThan(cookingScore + 0.1);
    }
}
