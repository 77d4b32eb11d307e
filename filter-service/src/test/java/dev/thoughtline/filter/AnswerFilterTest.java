package dev.thoughtline.filter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.testing.ContractServer;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Answer filters over a trace dataset as generation-service serves one. */
@QuarkusTest
class AnswerFilterTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ContractServer inputs = Inputs.server();

    static String trace(String question, int sample, String reasoning, String content, String finish, String gold) {
        ObjectNode t = JSON.createObjectNode().put("id", question + "#" + sample).put("questionId", question).put("text", "Q " + question)
                .put("teacher", "sim").put("model", "sim").put("sampleIndex", sample).put("reasoning", reasoning).put("content", content)
                .putNull("finalAnswer").put("finishReason", finish).put("promptTokens", 10).put("completionTokens", 20 + sample)
                .put("latencyMs", 5);
        ObjectNode meta = t.putObject("metadata");
        if (gold != null) {
            meta.put("answer", gold);
        }
        return t.toString();
    }

    @Test
    void formatVerifyAndMajorityKeepWhatTheySay() {
        List<String> lines = new ArrayList<>();
        // q1: gold 1/2; three samples say 0.5 in different forms, one says 1/3
        lines.add(trace("q1", 0, "halve it", "The answer is \\boxed{\\frac{1}{2}}", "stop", "\\frac12"));
        lines.add(trace("q1", 1, "halve it", "So \\boxed{0.5}", "stop", "\\frac12"));
        lines.add(trace("q1", 2, "hmm", "\\boxed{1/3}", "stop", "\\frac12"));
        lines.add(trace("q1", 3, "halve", "Final answer: 1/2", "stop", "\\frac12"));
        // q2: truncated, unclosed think, no answer
        lines.add(trace("q2", 0, "", "<think>long thoughts that never end", "length", "7"));
        lines.add(trace("q2", 1, "ok", "\\boxed{7}", "stop", "7"));
        // q3: no reference answer
        lines.add(trace("q3", 0, "ok", "\\boxed{x+1}", "stop", null));
        String input = inputs.add(lines, "complete", "trace");

        Map<String, Object> format = Runs.run("{\"name\":\"format-1\",\"input\":\"" + input + "\",\"steps\":[{\"type\":\"format\"}]}");
        long fid = ((Number) format.get("id")).longValue();
        List<Map<String, Object>> fv = Runs.all("/api/v1/filter-runs/" + fid + "/verdicts");
        assertThat(fv.get(4).get("kept")).isEqualTo(false);
        assertThat(((Map<String, Object>) fv.get(4).get("reasons")).get("format").toString())
                .contains("the think block is not closed").contains("finish reason is length").contains("no final answer");
        assertThat(format.get("keptCount")).isEqualTo(6);

        Map<String, Object> verify = Runs.run("{\"name\":\"verify-1\",\"input\":\"" + input + "\",\"steps\":[{\"type\":\"verify\"}]}");
        long vid = ((Number) verify.get("id")).longValue();
        assertThat(Runs.all("/api/v1/datasets/" + vid + "/items")).extracting(m -> m.get("id"))
                .containsExactly("q1#0", "q1#1", "q1#3", "q2#1");
        List<Map<String, Object>> vv = Runs.all("/api/v1/filter-runs/" + vid + "/verdicts");
        assertThat(((Map<String, Object>) vv.get(2).get("reasons")).get("verify")).isEqualTo("answer 1/3 differs from the reference \\frac12");
        assertThat(((Map<String, Object>) vv.get(6).get("reasons")).get("verify").toString()).contains("no reference answer");

        Map<String, Object> majority = Runs.run("{\"name\":\"majority-1\",\"input\":\"" + input + "\",\"steps\":["
                + "{\"type\":\"majority\",\"params\":{\"minAgreement\":0.5}}]}");
        long mid = ((Number) majority.get("id")).longValue();
        List<Map<String, Object>> mv = Runs.all("/api/v1/filter-runs/" + mid + "/verdicts");
        assertThat(mv).extracting(m -> m.get("kept")).containsExactly(true, true, false, true, false, true, true);
        Map<String, Object> reasons = (Map<String, Object>) mv.get(0).get("reasons");
        Map<String, Object> finding = (Map<String, Object>) reasons.get("majority.finding");
        assertThat(finding).containsEntry("label", "\\frac{1}{2}").containsEntry("votes", 4);
        assertThat(((Number) finding.get("agreement")).doubleValue()).isEqualTo(0.75);
        assertThat(((Map<String, Object>) mv.get(2).get("reasons")).get("majority")).isEqualTo("answer 1/3 disagrees with the majority \\frac{1}{2}");
        assertThat(((Map<String, Object>) mv.get(4).get("reasons")).get("majority")).isEqualTo("no final answer");
    }

    @Test
    void lengthKeepsTheShortestTracesOfEachQuestion() {
        List<String> lines = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            lines.add(trace("a", s, "r", "\\boxed{1}", "stop", "1"));
            lines.add(trace("b", s, "r", "\\boxed{2}", "stop", "2"));
        }
        String input = inputs.add(lines, "complete", "trace");
        Map<String, Object> run = Runs.run("{\"name\":\"shortest-2\",\"input\":\"" + input + "\",\"steps\":["
                + "{\"type\":\"length\",\"params\":{\"unit\":\"tokens\",\"perQuestion\":\"shortest\",\"k\":2}}]}");
        long id = ((Number) run.get("id")).longValue();
        assertThat(Runs.all("/api/v1/datasets/" + id + "/items")).extracting(m -> m.get("id")).containsExactly("a#0", "b#0", "a#1", "b#1");
    }
}
