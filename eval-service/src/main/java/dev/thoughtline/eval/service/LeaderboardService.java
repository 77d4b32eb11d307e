package dev.thoughtline.eval.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.eval.repository.EvalRepository;
import dev.thoughtline.eval.rest.ModelView;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Models x benchmarks, each cell the latest complete result of the model on the benchmark, with each model's
 * training datasets and their ancestors (followed through {@code parents} of the contract, whichever service serves
 * them, bounded and cached by {@link Lineage}). {@code byDataset} turns this around: every dataset in any model's lineage (a source's mix, a filter run's
 * output, a teacher's traces) with the models trained on data derived from it and their mean score, so a recipe
 * choice is ranked by the models it produced. Blocking: lineage is read over HTTP.
 */
@ApplicationScoped
public class LeaderboardService {

    private final EvalRepository repository;
    private final ModelService models;
    private final Lineage lineages;
    private final ObjectMapper mapper;

    public LeaderboardService(EvalRepository repository, ModelService models, Lineage lineages, ObjectMapper mapper) {
        this.repository = repository;
        this.models = models;
        this.lineages = lineages;
        this.mapper = mapper;
    }

    public ObjectNode leaderboard(List<String> only) {
        List<ModelView> all = models.list().await().indefinitely();
        List<EvalRepository.Standing> standings = repository.standings().await().indefinitely();
        Set<String> benchmarks = new TreeSet<>();
        if (only != null && !only.isEmpty()) {
            benchmarks.addAll(only);
        } else {
            standings.forEach(s -> benchmarks.add(s.benchmark()));
        }
        Map<String, Map<String, EvalRepository.Standing>> cells = new HashMap<>();
        for (EvalRepository.Standing s : standings) {
            if (benchmarks.contains(s.benchmark())) {
                cells.computeIfAbsent(s.model(), k -> new HashMap<>()).put(s.benchmark(), s);
            }
        }
        Set<String> trained = new LinkedHashSet<>();
        all.forEach(m -> trained.addAll(m.trainedOn()));
        Map<String, ObjectNode> lineage = lineages.of(trained);
        List<ObjectNode> rows = new ArrayList<>();
        Map<String, Set<String>> ancestorsOf = new HashMap<>();
        Map<String, Double> averages = new HashMap<>();
        for (ModelView m : all) {
            ObjectNode row = mapper.createObjectNode().put("model", m.name()).put("teacher", m.teacher());
            ObjectNode scores = row.putObject("scores");
            Map<String, EvalRepository.Standing> mine = cells.getOrDefault(m.name(), Map.of());
            double sum = 0;
            for (String b : benchmarks) {
                EvalRepository.Standing s = mine.get(b);
                if (s == null) {
                    continue;
                }
                JsonNode metrics = tree(s.metrics());
                ObjectNode cell = scores.putObject(b).put("accuracy", metrics.path("accuracy").asDouble());
                cell.set("stdErr", metrics.get("stdErr"));
                cell.put("repeats", metrics.path("repeats").asInt()).put("run", s.runName()).put("runId", s.runId());
                sum += metrics.path("accuracy").asDouble();
            }
            if (!benchmarks.isEmpty() && mine.keySet().containsAll(benchmarks)) {
                double avg = Metrics.round(sum / benchmarks.size());
                row.put("average", avg);
                averages.put(m.name(), avg);
            } else {
                row.putNull("average");
            }
            ArrayNode trainedOn = row.putArray("trainedOn");
            m.trainedOn().forEach(trainedOn::add);
            Set<String> ancestors = ancestors(m.trainedOn(), lineage);
            ancestorsOf.put(m.name(), ancestors);
            ArrayNode l = row.putArray("lineage");
            ancestors.forEach(a -> l.add(lineage.get(a)));
            rows.add(row);
        }
        rows.sort(Comparator.comparing((ObjectNode r) -> r.path("average").isNumber() ? -r.get("average").asDouble() : Double.MAX_VALUE)
                .thenComparing(r -> r.path("model").asText()));
        ObjectNode out = mapper.createObjectNode();
        ArrayNode b = out.putArray("benchmarks");
        benchmarks.forEach(b::add);
        ArrayNode m = out.putArray("models");
        rows.forEach(m::add);
        out.set("byDataset", byDataset(lineage, ancestorsOf, averages));
        return out;
    }

    private ArrayNode byDataset(Map<String, ObjectNode> lineage, Map<String, Set<String>> ancestorsOf, Map<String, Double> averages) {
        List<ObjectNode> entries = new ArrayList<>();
        for (Map.Entry<String, ObjectNode> d : lineage.entrySet()) {
            ObjectNode e = mapper.createObjectNode().put("dataset", d.getKey());
            e.set("name", d.getValue().get("name"));
            e.set("kind", d.getValue().get("kind"));
            e.set("recipe", d.getValue().get("recipe"));
            ArrayNode ms = e.putArray("models");
            double sum = 0;
            int n = 0;
            for (Map.Entry<String, Set<String>> a : ancestorsOf.entrySet()) {
                if (a.getValue().contains(d.getKey())) {
                    ms.add(a.getKey());
                    Double avg = averages.get(a.getKey());
                    if (avg != null) {
                        sum += avg;
                        n++;
                    }
                }
            }
            if (n > 0) {
                e.put("meanAverage", Metrics.round(sum / n));
            } else {
                e.putNull("meanAverage");
            }
            e.put("scoredModels", n);
            entries.add(e);
        }
        entries.sort(Comparator.comparing((ObjectNode e) -> e.path("meanAverage").isNumber() ? -e.get("meanAverage").asDouble() : Double.MAX_VALUE)
                .thenComparing(e -> e.path("dataset").asText()));
        ArrayNode out = mapper.createArrayNode();
        entries.forEach(out::add);
        return out;
    }

    /** The refs and every ancestor of them that the lineage holds, breadth first. */
    private static Set<String> ancestors(List<String> refs, Map<String, ObjectNode> lineage) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> queue = new ArrayDeque<>(refs);
        while (!queue.isEmpty()) {
            String ref = queue.poll();
            ObjectNode node = lineage.get(ref);
            if (node == null || !seen.add(ref)) {
                continue;
            }
            node.path("parents").forEach(p -> queue.add(p.asText()));
        }
        return seen;
    }

    private JsonNode tree(String json) {
        try {
            return mapper.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
