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
 * Runs worked in shards: steps that each judge an item on its own over an input larger than a shard (50 items here)
 * are stored and worked shard by shard; their verdicts, output and per-step statistics are those of the same steps
 * over the whole input held in memory. The in-memory run is the same request with one more step that keeps
 * everything by rank (a {@code random} step keeping its top fraction 1.0), which only the in-memory path can run.
 */
@QuarkusTest
@TestProfile(ShardedRunTest.SmallShards.class)
class ShardedRunTest {

    public static final class SmallShards implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("thoughtline.runs.shard-size", "50", "thoughtline.runs.verdict-batch", "17",
                    "thoughtline.leases.scan-interval", "200ms", "thoughtline.runs.max-sharded-items", "1000");
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();
    static final ContractServer inputs = Inputs.server();

    @Test
    @SuppressWarnings("unchecked")
    void aRunWorkedInShardsGivesTheVerdictsAndStatisticsOfTheRunHeldInMemory() {
        String bench = inputs.add(List.of(
                DecontaminationTest.benchmark("b1", "Find the number of ordered pairs of positive integers whose product is one hundred and whose sum is odd.", "4")),
                "complete", "benchmark");
        List<String> lines = new ArrayList<>();
        String[] words = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota"};
        for (int i = 1; i <= 437; i++) {
            StringBuilder text = new StringBuilder("Question " + i);
            for (int w = 0; w < i % 9; w++) {
                text.append(' ').append(words[(i + w) % words.length]);
            }
            if (i % 97 == 0) {
                text = new StringBuilder("Warm up. Find the number of ordered pairs of positive integers whose product is one hundred and whose sum is odd.");
            }
            lines.add(DecontaminationTest.question("q" + i, text.toString()));
        }
        String input = inputs.add(lines, "complete");
        String steps = "{\"type\":\"length\",\"params\":{\"min\":4}},"
                + "{\"type\":\"random\",\"params\":{\"seed\":3},\"keep\":{\"threshold\":0.25}},"
                + "{\"type\":\"decontaminate\",\"params\":{\"benchmarks\":[\"" + bench + "\"]}}";

        Map<String, Object> sharded = Runs.run("{\"name\":\"sharded\",\"input\":\"" + input + "\",\"steps\":[" + steps + "]}");
        Map<String, Object> whole = Runs.run("{\"name\":\"in-memory\",\"input\":\"" + input + "\",\"steps\":[" + steps
                + ",{\"type\":\"random\",\"name\":\"all\",\"params\":{\"seed\":1},\"keep\":{\"topFraction\":1.0}}]}");

        assertThat(sharded.get("status")).as(String.valueOf(sharded.get("error"))).isEqualTo("complete");
        assertThat(whole.get("status")).as(String.valueOf(whole.get("error"))).isEqualTo("complete");
        assertThat(sharded.get("shardSize")).isEqualTo(50);
        assertThat(whole.get("shardSize")).isNull();
        assertThat(sharded.get("itemCount")).isEqualTo(437);
        assertThat(sharded.get("keptCount")).isEqualTo(whole.get("keptCount"));
        List<Map<String, Object>> stats = (List<Map<String, Object>>) sharded.get("stats");
        assertThat(stats).isEqualTo(((List<Map<String, Object>>) whole.get("stats")).subList(0, 3));
        // every step dropped some, so each shard's verdicts went through all three
        assertThat(stats).allSatisfy(s -> assertThat((Integer) s.get("out")).isLessThan((Integer) s.get("in")));

        List<Map<String, Object>> a = Runs.all("/api/v1/filter-runs/" + sharded.get("id") + "/verdicts");
        List<Map<String, Object>> b = Runs.all("/api/v1/filter-runs/" + whole.get("id") + "/verdicts");
        assertThat(a).hasSize(437);
        assertThat(a).isEqualTo(b.stream().map(ShardedRunTest::withoutTheLastStep).toList());
        assertThat(Runs.all("/api/v1/datasets/" + sharded.get("id") + "/items")).extracting(m -> m.get("id"))
                .isEqualTo(Runs.all("/api/v1/datasets/" + whole.get("id") + "/items").stream().map(m -> m.get("id")).toList());
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
