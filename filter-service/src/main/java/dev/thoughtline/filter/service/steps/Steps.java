package dev.thoughtline.filter.service.steps;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.filter.Item;
import dev.thoughtline.filter.rest.FilterRunRequest;
import dev.thoughtline.support.ApiException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The step types, their parameters, and the keep rule applied after each step. */
public final class Steps {

    /** A validated step, ready to run. */
    public record Planned(String type, String name, FilterStep step, FilterRunRequest.Keep keep, boolean overTraces) {
        /** Binds an LLM step to its run and an embedding step to the embedder; other steps need nothing. */
        public void bind(LlmContext context, java.util.function.Supplier<dev.thoughtline.filter.service.embedding.Embedder> embedder) {
            if (step instanceof LlmStep llm) {
                llm.bind(context);
            } else if (step instanceof EmbeddingStep e) {
                e.bind(embedder.get());
            }
        }
    }

    /** What an LLM step needs of the run it belongs to. */
    public interface LlmContext {
        /** Stores the items as the stage dataset of this step and returns its DatasetRef. */
        String stage(List<Item> items);

        dev.thoughtline.support.GenerationClient generation();

        /** The job's name: stable for a run and step, so that a resumed run finds its job again. */
        String jobName(String step);

        /** Waits until the job ends (polling); throws when it fails or takes longer than the step may. */
        dev.thoughtline.support.GenerationClient.Job await(dev.thoughtline.support.GenerationClient.Job job);

        /** The traces of a complete job, by the id of the item they answer. */
        Map<String, List<com.fasterxml.jackson.databind.JsonNode>> traces(String dataset);
    }

    /** Every step type with its parameters, as the README documents them. */
    public static final Map<String, Set<String>> TYPES = new TreeMap<>(Map.ofEntries(
            Map.entry("llm-difficulty", LlmStep.PARAMS),
            Map.entry("response-length", LlmStep.PARAMS),
            Map.entry("ask-llm", LlmStep.PARAMS),
            Map.entry("llm-judge", LlmStep.PARAMS),
            Map.entry("embedding", EmbeddingStep.PARAMS),
            Map.entry("length", Set.of("unit", "min", "max", "perQuestion", "k")),
            Map.entry("random", Set.of("seed")),
            Map.entry("exact-dedup", Set.of("field")),
            Map.entry("near-dedup", Set.of("threshold", "permutations", "shingleWords", "bands", "rows", "seed", "field")),
            Map.entry("decontaminate", Decontaminate.params()),
            Map.entry("format", Set.of("requireStop", "requireAnswer", "requireThink")),
            Map.entry("verify", Set.of("answerField")),
            Map.entry("majority", Set.of("minAgreement"))));

    private static final Set<String> OVER_TRACES = Set.of("format", "verify", "majority", "llm-judge");

    /** The step types that run as generation jobs. */
    public static final Set<String> LLM = Set.of("llm-difficulty", "response-length", "ask-llm", "llm-judge");

    private Steps() {
    }

    /**
     * The DatasetRefs a step will read besides the run's input (decontamination's benchmarks), as the request names
     * them, so that the outbound policy can refuse them before the run starts; what is not a DatasetRef is left to
     * the step's own checks.
     */
    public static List<DatasetRef> reads(FilterRunRequest.Step s) {
        List<DatasetRef> refs = new ArrayList<>();
        JsonNode benchmarks = s == null || !"decontaminate".equals(s.type()) || s.params() == null ? null : s.params().get("benchmarks");
        if (benchmarks != null && benchmarks.isArray()) {
            for (JsonNode r : benchmarks) {
                try {
                    refs.add(DatasetRef.of(r.asText()));
                } catch (IllegalArgumentException notARef) {
                    // reported by Decontaminate with the step's name
                }
            }
        }
        return refs;
    }

    /** The step at {@code index} (0-based) of a request, validated; a 400 naming the step otherwise. */
    public static Planned plan(int index, FilterRunRequest.Step s) {
        if (s == null || s.type() == null || s.type().isBlank()) {
            throw ApiException.badRequest("step " + (index + 1) + ": type is required; types: " + String.join(", ", TYPES.keySet()));
        }
        Set<String> known = TYPES.get(s.type());
        if (known == null) {
            throw ApiException.badRequest("step " + (index + 1) + ": unknown type '" + s.type() + "'; types: " + String.join(", ", TYPES.keySet()));
        }
        String where = "step " + (index + 1) + " (" + s.type() + ")";
        StepParams p = new StepParams(where, s.params(), known);
        FilterStep step = switch (s.type()) {
            case "length" -> new QuestionSteps.Length(p);
            case "random" -> new QuestionSteps.Random(p);
            case "exact-dedup" -> new QuestionSteps.ExactDedup(p);
            case "near-dedup" -> new QuestionSteps.NearDedup(p);
            case "decontaminate" -> new Decontaminate(p);
            case "format" -> new AnswerSteps.Format(p);
            case "verify" -> new AnswerSteps.Verify(p);
            case "llm-difficulty", "response-length", "ask-llm", "llm-judge" -> new LlmStep(s.type(), p);
            case "embedding" -> new EmbeddingStep(p);
            default -> new AnswerSteps.Majority(p);
        };
        validate(where, s.keep());
        String name = s.name() == null || s.name().isBlank() ? s.type() : s.name();
        return new Planned(s.type(), name, step, s.keep(), OVER_TRACES.contains(s.type()));
    }

    private static void validate(String where, FilterRunRequest.Keep keep) {
        if (keep == null) {
            return;
        }
        int rules = (keep.topN() == null ? 0 : 1) + (keep.topFraction() == null ? 0 : 1) + (keep.threshold() == null ? 0 : 1);
        if (rules != 1) {
            throw ApiException.badRequest(where + ": keep takes exactly one of topN, topFraction, threshold");
        }
        if (keep.topN() != null && keep.topN() < 1) {
            throw ApiException.badRequest(where + ": keep.topN must be at least 1");
        }
        if (keep.topFraction() != null && (keep.topFraction() <= 0 || keep.topFraction() > 1 || keep.topFraction().isNaN())) {
            throw ApiException.badRequest(where + ": keep.topFraction must be in (0, 1]");
        }
        if (keep.threshold() != null && (keep.threshold().isNaN() || keep.threshold().isInfinite())) {
            throw ApiException.badRequest(where + ": keep.threshold must be a finite number");
        }
        if (keep.order() != null && !keep.order().equals("desc") && !keep.order().equals("asc")) {
            throw ApiException.badRequest(where + ": keep.order must be desc or asc");
        }
    }

    /**
     * Applies a keep rule to the items a step kept: items without a score for the step are dropped by any rule;
     * the best by score (ties by input order) are kept.
     */
    public static void keep(Planned step, List<Item> items) {
        FilterRunRequest.Keep keep = step.keep();
        if (keep == null) {
            return;
        }
        String name = step.name();
        boolean asc = "asc".equals(keep.order());
        List<Item> scored = new ArrayList<>();
        for (Item item : items) {
            if (!item.kept()) {
                continue;
            }
            if (item.scores.get(name) == null) {
                FilterStep.drop(item, name, "no score");
            } else {
                scored.add(item);
            }
        }
        if (keep.threshold() != null) {
            for (Item item : scored) {
                double s = item.scores.get(name);
                if (asc ? s > keep.threshold() : s < keep.threshold()) {
                    FilterStep.drop(item, name, "score " + s + (asc ? " is above " : " is below ") + keep.threshold());
                }
            }
            return;
        }
        Comparator<Item> byScore = Comparator.comparingDouble(i -> i.scores.get(name));
        scored.sort((asc ? byScore : byScore.reversed()).thenComparingLong(i -> i.pos));
        int n = keep.topN() != null ? keep.topN() : (int) Math.ceil(keep.topFraction() * scored.size());
        for (int i = n; i < scored.size(); i++) {
            FilterStep.drop(scored.get(i), name, "not in the top " + n + " by score");
        }
    }
}
