package dev.thoughtline.eval.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.answercheck.AnswerChecker;
import dev.thoughtline.answercheck.AnswerType;
import dev.thoughtline.answercheck.Verdict;
import dev.thoughtline.eval.repository.EvalRepository;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores one benchmark of a run: fed the benchmark's items and then the job's traces one at a time (so a
 * benchmark of long answers is never held in memory), it checks each answer against the gold with libs/answer-check
 * (letters for multiple choice), and yields the per-item records and the metrics.
 */
public final class Scorer {

    /** A benchmark item as scoring needs it. */
    public record Gold(int pos, String id, String answer, String answerType) {
    }

    private static final class Sample {
        boolean correct;
        String extracted;
        String finishReason;
        long completionTokens;
        long promptTokens;
        String verdict;
    }

    private final ObjectMapper mapper;
    private final String benchmark;
    private final int repeats;
    private final List<Gold> items;
    private final Map<String, Sample[]> samples = new HashMap<>();
    private final Map<String, Gold> byId = new HashMap<>();
    private long reasoningChars;
    private long contentChars;
    private long ignored;

    public Scorer(ObjectMapper mapper, String benchmark, int repeats, List<Gold> items) {
        this.mapper = mapper;
        this.benchmark = benchmark;
        this.repeats = repeats;
        this.items = items;
        for (Gold g : items) {
            byId.put(g.id(), g);
            samples.put(g.id(), new Sample[repeats]);
        }
    }

    /** One trace of the job. A trace of an unknown item or sample index is counted and ignored. */
    public void trace(JsonNode trace) {
        String id = trace.path("questionId").asText();
        int index = trace.path("sampleIndex").asInt(-1);
        Gold gold = byId.get(id);
        if (gold == null || index < 0 || index >= repeats) {
            ignored++;
            return;
        }
        String content = trace.path("content").asText("");
        String reasoning = trace.path("reasoning").asText("");
        reasoningChars += reasoning.length();
        contentChars += content.length();
        AnswerChecker.Result r = AnswerChecker.check(gold.answer(), content, AnswerType.of(gold.answerType()));
        Sample s = new Sample();
        s.correct = r.verdict() == Verdict.EQUAL;
        s.verdict = r.verdict().name().toLowerCase(java.util.Locale.ROOT);
        s.extracted = r.extraction().found() ? r.extraction().answer() : null;
        s.finishReason = trace.path("finishReason").asText(null);
        s.completionTokens = trace.path("completionTokens").asLong();
        s.promptTokens = trace.path("promptTokens").asLong();
        samples.get(id)[index] = s;
    }

    /** The scored items, one record each, in benchmark order. */
    public List<EvalRepository.ScoredItem> scoredItems() {
        List<EvalRepository.ScoredItem> out = new ArrayList<>(items.size());
        for (Gold g : items) {
            Sample[] ss = samples.get(g.id());
            int passes = 0;
            ObjectNode rec = mapper.createObjectNode().put("benchmark", benchmark).put("id", g.id()).put("answer", g.answer());
            ArrayNode arr = mapper.createArrayNode();
            for (int k = 0; k < repeats; k++) {
                Sample s = ss[k];
                ObjectNode o = arr.addObject().put("sample", k);
                if (s == null) {
                    o.put("missing", true).put("correct", false);
                    continue;
                }
                if (s.correct) {
                    passes++;
                }
                o.put("correct", s.correct).put("verdict", s.verdict).put("extracted", s.extracted)
                        .put("finishReason", s.finishReason).put("completionTokens", s.completionTokens);
            }
            rec.put("passes", passes).put("samples", repeats).put("passRate", (double) passes / repeats);
            rec.set("repeats", arr);
            out.add(new EvalRepository.ScoredItem(g.pos(), g.id(), passes, repeats, rec.toString()));
        }
        return out;
    }

    /**
     * The benchmark's metrics (definitions in the module README). {@code cost} is what the job paid in US dollars
     * (samples the request cache already held cost nothing); {@code pricing} is the teacher's price per million input
     * and output tokens, or null when unknown, for what 1,000 samples cost at list price.
     */
    public ObjectNode metrics(double cost, double[] pricing) {
        int n = items.size();
        boolean[][] correct = new boolean[n][repeats];
        int[] passes = new int[n];
        long stored = 0;
        long truncated = 0;
        long tokens = 0;
        long promptTokens = 0;
        for (int i = 0; i < n; i++) {
            Sample[] ss = samples.get(items.get(i).id());
            for (int k = 0; k < repeats; k++) {
                Sample s = ss[k];
                if (s == null) {
                    continue;
                }
                stored++;
                tokens += s.completionTokens;
                promptTokens += s.promptTokens;
                if ("length".equals(s.finishReason)) {
                    truncated++;
                }
                correct[i][k] = s.correct;
                if (s.correct) {
                    passes[i]++;
                }
            }
        }
        double[] acc = Metrics.repeatAccuracies(correct, repeats);
        ObjectNode m = mapper.createObjectNode().put("items", n).put("repeats", repeats).put("samples", stored)
                .put("missing", (long) n * repeats - stored);
        m.put("accuracy", Metrics.round(Metrics.mean(acc)));
        double se = Metrics.stdErr(acc);
        if (Double.isNaN(se)) {
            m.putNull("stdErr");
        } else {
            m.put("stdErr", Metrics.round(se));
        }
        ArrayNode ra = m.putArray("repeatAccuracies");
        for (double a : acc) {
            ra.add(Metrics.round(a));
        }
        ObjectNode pass = m.putObject("passAtK");
        for (int k : Metrics.reportedK(repeats)) {
            pass.put(Integer.toString(k), Metrics.round(Metrics.meanPassAtK(passes, repeats, k)));
        }
        m.put("truncationRate", stored == 0 ? 0 : Metrics.round((double) truncated / stored));
        m.put("meanCompletionTokens", stored == 0 ? 0 : Metrics.round((double) tokens / stored));
        double reasoningShare = reasoningChars + contentChars == 0 ? 0 : (double) reasoningChars / (reasoningChars + contentChars);
        m.put("meanReasoningTokens", stored == 0 ? 0 : Metrics.round(reasoningShare * tokens / stored));
        m.put("cost", Metrics.round(cost));
        if (pricing == null || stored == 0) {
            m.putNull("costPer1000Samples");
        } else {
            m.put("costPer1000Samples", Metrics.round((promptTokens * pricing[0] + tokens * pricing[1]) / 1_000_000.0 / stored * 1000));
        }
        if (ignored > 0) {
            m.put("ignoredTraces", ignored);
        }
        return m;
    }
}
