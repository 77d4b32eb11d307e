package dev.thoughtline.filter.service.steps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.answercheck.Extractor;
import dev.thoughtline.filter.Item;
import dev.thoughtline.support.GenerationClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The steps that ask a model: each runs as one generation job through generation-service's API over the items
 * alive before it (served by this service as a stage dataset), with its own prompt template, and turns each
 * item's answers into a score. An answer that cannot be parsed is a recorded failure of that item, never a crash;
 * a job that fails fails the run with its reason.
 *
 * <ul>
 *   <li>{@code llm-difficulty}: a 1-10 rating with a rubric for the domain (AoPS levels for math, ICPC for code,
 *   olympiads for science); score = the mean rating over the samples.</li>
 *   <li>{@code response-length}: the question as it is; score = the mean completion tokens of the answers.</li>
 *   <li>{@code ask-llm}: how well the question fits {@code criteria}, 1-100; score = the mean.</li>
 *   <li>{@code llm-judge} (traces): whether the response is correct and well reasoned, yes or no; score = the share
 *   of yes; a trace judged no is dropped.</li>
 * </ul>
 */
final class LlmStep implements FilterStep {

    static final Set<String> PARAMS = Set.of("teacher", "samples", "maxTokens", "temperature", "rubric", "criteria");

    private static final Map<String, String> RUBRICS = Map.of(
            "math", "Use the scale of the Art of Problem Solving (AoPS) competition ratings: 1 is an easy middle-school "
                    + "exercise (MATHCOUNTS, AMC 8), 3-4 AMC 10/12, 5-6 hard AIME, 7-8 USAMO/IMO, 10 the hardest IMO problems.",
            "code", "Use the scale of ICPC and Codeforces: 1 is a warm-up problem anyone who can program solves, 4-5 a "
                    + "regional contest problem, 7-8 an ICPC World Finals problem, 10 one that almost no team solves.",
            "science", "Use the scale of science olympiads: 1 is a high-school textbook exercise, 4-5 a national olympiad "
                    + "problem, 7-8 an International Physics/Chemistry/Biology Olympiad problem, 10 beyond them.");

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?");

    private final String type;
    private final String teacher;
    private final int samples;
    private final ObjectNode params;
    private final String template;
    private Steps.LlmContext context;

    LlmStep(String type, StepParams p) {
        this.type = type;
        this.teacher = p.text("teacher", null);
        if (teacher == null) {
            throw p.bad("teacher is required: the name of a teacher registered in generation-service");
        }
        this.samples = p.integer("samples", 1, 1, 64);
        this.params = JsonNodeFactory.instance.objectNode();
        Double temperature = p.optionalNumber("temperature", 0, 2);
        if (temperature != null) {
            params.put("temperature", temperature);
        }
        int maxTokens = p.integer("maxTokens", 0, 0, 1_000_000);
        if (maxTokens > 0) {
            params.put("maxTokens", maxTokens);
        }
        String rubric = p.choice("rubric", "math", RUBRICS.keySet());
        String criteria = p.text("criteria", type.equals("llm-judge")
                ? "the response answers the question correctly, with sound reasoning"
                : "a clear, self-contained, challenging question that is useful for training a model to reason");
        switch (type) {
            case "llm-difficulty" -> template = "Rate the difficulty of the following problem on a scale of 1-10. "
                    + RUBRICS.get(rubric) + "\n\nProblem:\n{{text}}\n\nAnswer with the rating alone, as \\boxed{N}.";
            case "response-length" -> template = "{{text}}";
            case "ask-llm" -> template = "Rate how well the following question fits this description, from 1 (not at all) to 100 "
                    + "(perfectly): " + criteria + ".\n\nQuestion:\n{{text}}\n\nAnswer with the score alone, as \\boxed{N}.";
            default -> template = "Judge the response to the question. Criteria: " + criteria + ".\n\nQuestion:\n{{text}}\n\n"
                    + "Response:\n{{content}}\n\nAnswer \\boxed{yes} if it meets the criteria and \\boxed{no} if it does not.";
        }
    }

    /** Binds the step to its run (done by the run before {@link #apply}). */
    void bind(Steps.LlmContext context) {
        this.context = context;
    }

    @Override
    public void apply(String name, List<Item> items) {
        if (context == null) {
            throw new IllegalStateException("an LLM step runs only within a run");
        }
        if (items.isEmpty()) {
            return;
        }
        String stage = context.stage(items);
        GenerationClient.Job job = context.await(context.generation().submit(context.jobName(name), stage, teacher, template, samples, params));
        Map<String, List<JsonNode>> traces = context.traces(job.dataset());
        for (Item item : items) {
            List<JsonNode> answers = traces.getOrDefault(item.id, List.of());
            score(name, item, answers);
        }
    }

    private void score(String name, Item item, List<JsonNode> answers) {
        if (answers.isEmpty()) {
            FilterStep.drop(item, name, "the generation job stored no answer for it (all its samples failed)");
            return;
        }
        List<Double> values = new ArrayList<>();
        List<String> unparsed = new ArrayList<>();
        for (JsonNode a : answers) {
            Double v = value(a);
            if (v == null) {
                unparsed.add(abbreviate(a.path("content").asText("")));
            } else {
                values.add(v);
            }
        }
        if (values.isEmpty()) {
            FilterStep.drop(item, name, "no answer could be parsed as a " + expected() + ": " + unparsed.get(0));
            return;
        }
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        item.scores.put(name, Math.round(mean * 1000) / 1000.0);
        if (!unparsed.isEmpty()) {
            item.reasons.put(name, unparsed.size() + " of " + answers.size() + " answers could not be parsed");
        }
        if (type.equals("llm-judge") && mean < 0.5) {
            FilterStep.drop(item, name, "judged not to meet the criteria");
        }
    }

    private String expected() {
        return switch (type) {
            case "llm-difficulty" -> "rating from 1 to 10";
            case "ask-llm" -> "score from 1 to 100";
            case "llm-judge" -> "yes or no";
            default -> "length";
        };
    }

    /** The value of one answer, or null when it cannot be parsed (or is out of the scale). */
    private Double value(JsonNode trace) {
        if (type.equals("response-length")) {
            return trace.path("completionTokens").isNumber() ? trace.get("completionTokens").asDouble() : null;
        }
        String content = trace.path("content").asText("");
        String stored = trace.path("finalAnswer").asText("");
        String answer = !stored.isBlank() ? stored : Extractor.extract(content).answer();
        if (type.equals("llm-judge")) {
            String a = (answer == null ? content : answer).strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
            return a.startsWith("yes") ? Double.valueOf(1) : a.startsWith("no") ? Double.valueOf(0) : null;
        }
        if (answer == null) {
            return null;
        }
        Matcher m = NUMBER.matcher(answer);
        if (!m.find()) {
            return null;
        }
        double v = Double.parseDouble(m.group());
        double max = type.equals("llm-difficulty") ? 10 : 100;
        return v >= 1 && v <= max ? v : null;
    }

    private static String abbreviate(String s) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() > 120 ? one.substring(0, 117) + "..." : one;
    }
}
