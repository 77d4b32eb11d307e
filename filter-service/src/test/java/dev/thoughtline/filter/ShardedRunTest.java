package dev.thoughtline.filter;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.testing.ContractServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs worked in shards (50 items here): their verdicts, output and per-step statistics are those of the same steps
 * over the whole input held in memory, including the steps that need the whole input (exact-dedup, near-dedup, a keep
 * by topN or topFraction), which are resolved between passes over the shards. The in-memory run is the same request with
 * one more step that only the in-memory path runs and that keeps everything: a {@code length} step keeping the
 * shortest item of each question (every question is its own).
 */
@QuarkusTest
@TestProfile(ShardedRunTest.SmallShards.class)
class ShardedRunTest {

    public static final class SmallShards implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("thoughtline.runs.shard-size", "50", "thoughtline.runs.verdict-batch", "17",
                    "thoughtline.leases.scan-interval", "200ms", "thoughtline.runs.max-sharded-items", "1000",
                    "thoughtline.runs.resolve-batch", "7");
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();
    static final ContractServer inputs = Inputs.server();
    static final String CONTAMINATED = "Find the number of ordered pairs of positive integers whose product is one hundred and whose sum is odd.";

    @Test
    void aRunOfPerItemStepsWorkedInShardsGivesTheVerdictsAndStatisticsOfTheRunHeldInMemory() {
        String bench = inputs.add(List.of(DecontaminationTest.benchmark("b1", CONTAMINATED, "4")), "complete", "benchmark");
        List<String> lines = new ArrayList<>();
        String[] words = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota"};
        for (int i = 1; i <= 437; i++) {
            StringBuilder text = new StringBuilder("Question " + i);
            for (int w = 0; w < i % 9; w++) {
                text.append(' ').append(words[(i + w) % words.length]);
            }
            if (i % 97 == 0) {
                text = new StringBuilder("Warm up. " + CONTAMINATED);
            }
            lines.add(DecontaminationTest.question("q" + i, text.toString()));
        }
        String input = inputs.add(lines, "complete");
        List<Map<String, Object>> stats = sameAsInMemory("per-item", input, "{\"type\":\"length\",\"params\":{\"min\":4}},"
                + "{\"type\":\"random\",\"params\":{\"seed\":3},\"keep\":{\"threshold\":0.25}},"
                + "{\"type\":\"decontaminate\",\"params\":{\"benchmarks\":[\"" + bench + "\"]}}", 1);
        // every step dropped some, so each shard's verdicts went through all three
        assertThat(stats).allSatisfy(s -> assertThat((Integer) s.get("out")).isLessThan((Integer) s.get("in")));
    }

    @Test
    void dedupAndKeepsByRankAreResolvedAcrossShardsWithTheVerdictsOfTheRunHeldInMemory() {
        String bench = inputs.add(List.of(DecontaminationTest.benchmark("b2", CONTAMINATED, "4")), "complete", "benchmark");
        String input = inputs.add(plantedDuplicates(), "complete");
        List<Map<String, Object>> stats = sameAsInMemory("recipe", input, "{\"type\":\"exact-dedup\"},"
                + "{\"type\":\"near-dedup\",\"params\":{\"threshold\":90}},"
                + "{\"type\":\"decontaminate\",\"params\":{\"benchmarks\":[\"" + bench + "\"]}},"
                + "{\"type\":\"length\",\"keep\":{\"topFraction\":0.5}}", 3);
        assertThat(stats).allSatisfy(s -> assertThat((Integer) s.get("out")).isLessThan((Integer) s.get("in")));

        // a rank first, dedup between per-item steps, and a near-dedup at a looser threshold with a chain of edits
        List<Map<String, Object>> other = sameAsInMemory("mixed", input, "{\"type\":\"length\",\"params\":{\"min\":25},"
                + "\"keep\":{\"topN\":400,\"order\":\"asc\"}},"
                + "{\"type\":\"random\",\"params\":{\"seed\":5},\"keep\":{\"threshold\":0.1}},"
                + "{\"type\":\"near-dedup\",\"params\":{\"threshold\":80}},{\"type\":\"exact-dedup\"}", 3);
        assertThat(other.get(2).get("out")).isNotEqualTo(other.get(2).get("in"));
    }

    /**
     * 460 questions: 400 of 20 to 70 random words, 40 near copies of earlier ones (one to three words changed), chains
     * of edits (each a copy of the one before with words changed), exact copies in other case and punctuation, and
     * questions that contain a benchmark question.
     */
    static List<String> plantedDuplicates() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            texts.add(QuestionFilterTest.words(rnd, 20 + rnd.nextInt(51)));
        }
        for (int i = 0; i < 40; i++) {
            String original = texts.get(rnd.nextInt(texts.size()));
            texts.add(edit(original, 1 + rnd.nextInt(3), rnd));
        }
        for (int c = 0; c < 4; c++) {
            String last = texts.get(rnd.nextInt(400));
            for (int k = 0; k < 3; k++) {
                last = edit(last, 3, rnd);
                texts.add(last);
            }
        }
        for (int i = 0; i < 4; i++) {
            texts.add(texts.get(rnd.nextInt(texts.size())).toUpperCase().replace("?", "!!"));
            texts.add("Warm up. " + CONTAMINATED + " " + QuestionFilterTest.words(rnd, 5));
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            lines.add(DecontaminationTest.question("q" + i, texts.get(i)));
        }
        return lines;
    }

    private static String edit(String text, int words, java.util.SplittableRandom rnd) {
        String[] w = text.split(" ");
        for (int k = 0; k < words; k++) {
            w[rnd.nextInt(w.length - 1)] = "edit" + rnd.nextInt(1000);
        }
        return String.join(" ", w);
    }

    /**
     * Runs the steps sharded and in memory; asserts that they agree on every verdict, the output, the counts and the
     * statistics, and that the sharded run went through {@code phases} passes. Returns the statistics.
     */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> sameAsInMemory(String name, String input, String steps, int phases) {
        Map<String, Object> sharded = Runs.run("{\"name\":\"" + name + "-sharded\",\"input\":\"" + input + "\",\"steps\":[" + steps + "]}");
        Map<String, Object> whole = Runs.run("{\"name\":\"" + name + "-in-memory\",\"input\":\"" + input + "\",\"steps\":[" + steps
                + ",{\"type\":\"length\",\"name\":\"all\",\"params\":{\"perQuestion\":\"shortest\"}}]}");

        assertThat(sharded.get("status")).as(String.valueOf(sharded.get("error"))).isEqualTo("complete");
        assertThat(whole.get("status")).as(String.valueOf(whole.get("error"))).isEqualTo("complete");
        assertThat(sharded.get("shardSize")).isEqualTo(50);
        assertThat(whole.get("shardSize")).isNull();
        assertThat(sharded.get("progress")).isNull();
        assertThat(sharded.get("itemCount")).isEqualTo(whole.get("itemCount"));
        assertThat(sharded.get("keptCount")).isEqualTo(whole.get("keptCount"));
        List<Map<String, Object>> stats = (List<Map<String, Object>>) sharded.get("stats");
        List<Map<String, Object>> wholeStats = (List<Map<String, Object>>) whole.get("stats");
        assertThat(stats).isEqualTo(wholeStats.subList(0, wholeStats.size() - 1));

        List<Map<String, Object>> a = Runs.all("/api/v1/filter-runs/" + sharded.get("id") + "/verdicts");
        List<Map<String, Object>> b = Runs.all("/api/v1/filter-runs/" + whole.get("id") + "/verdicts");
        assertThat(a).hasSize((Integer) sharded.get("itemCount"));
        assertThat(a).isEqualTo(b.stream().map(ShardedRunTest::withoutTheLastStep).toList());
        assertThat(Runs.all("/api/v1/datasets/" + sharded.get("id") + "/items")).extracting(m -> m.get("id"))
                .isEqualTo(Runs.all("/api/v1/datasets/" + whole.get("id") + "/items").stream().map(m -> m.get("id")).toList());
        assertThat(phases(steps)).as("passes over the shards").isEqualTo(phases);
        return stats;
    }

    private static int phases(String steps) {
        try {
            dev.thoughtline.filter.rest.FilterRunRequest.Step[] parsed = JSON.readValue("[" + steps + "]",
                    dev.thoughtline.filter.rest.FilterRunRequest.Step[].class);
            List<dev.thoughtline.filter.service.steps.Steps.Planned> planned = new ArrayList<>();
            for (int i = 0; i < parsed.length; i++) {
                planned.add(dev.thoughtline.filter.service.steps.Steps.plan(i, parsed[i]));
            }
            return dev.thoughtline.filter.service.steps.ShardPlan.of(planned).size();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aShardedRunFailsWithTheReasonPastMaxShardedItems() {
        String input = inputs.questions("too-many", 1001);
        Map<String, Object> run = Runs.run("{\"name\":\"too-many\",\"input\":\"" + input + "\",\"steps\":[{\"type\":\"length\",\"params\":{\"min\":1}}]}");
        assertThat(run.get("status")).isEqualTo("failed");
        assertThat(run.get("shardSize")).isEqualTo(50);
        assertThat(run.get("error")).isEqualTo("the input has more than 1000 items (thoughtline.runs.max-sharded-items)");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> withoutTheLastStep(Map<String, Object> verdict) {
        Map<String, Object> v = new HashMap<>(verdict);
        Map<String, Object> scores = new HashMap<>((Map<String, Object>) v.get("scores"));
        scores.remove("all");
        v.put("scores", scores);
        return v;
    }
}
