package dev.thoughtline.filter.service.steps;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.answercheck.AnswerChecker;
import dev.thoughtline.answercheck.AnswerType;
import dev.thoughtline.answercheck.Extractor;
import dev.thoughtline.answercheck.Verdict;
import dev.thoughtline.filter.Item;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The steps over traces: format, verify, majority. */
final class AnswerSteps {

    private AnswerSteps() {
    }

    /** A trace's final answer: the one generation-service extracted, else one extracted from its content now. */
    static String answer(Item trace) {
        String stored = trace.node.path("finalAnswer").asText("");
        if (!stored.isBlank()) {
            return stored;
        }
        return Extractor.extract(trace.node.path("content").asText("")).answer();
    }

    /**
     * {@code format}: a closed think block (no {@code <think>} without {@code </think>}, and reasoning or a think
     * block present when {@code requireThink}), finish reason {@code stop}, a final answer present. Score 1 or 0.
     */
    static final class Format implements FilterStep {
        private final boolean requireStop;
        private final boolean requireAnswer;
        private final boolean requireThink;

        Format(StepParams p) {
            requireStop = p.bool("requireStop", true);
            requireAnswer = p.bool("requireAnswer", true);
            requireThink = p.bool("requireThink", true);
        }

        @Override
        public boolean perItem() {
            return true;
        }

        @Override
        public void apply(String name, List<Item> items) {
            for (Item t : items) {
                List<String> problems = new ArrayList<>();
                String content = t.node.path("content").asText("");
                String reasoning = t.node.path("reasoning").asText("");
                boolean opened = content.contains("<think>");
                boolean closed = content.contains("</think>");
                if (opened && !closed) {
                    problems.add("the think block is not closed");
                } else if (requireThink && reasoning.isBlank() && !closed) {
                    problems.add("no reasoning");
                }
                if (requireStop && !"stop".equals(t.node.path("finishReason").asText())) {
                    problems.add("finish reason is " + t.node.path("finishReason").asText("missing"));
                }
                if (requireAnswer) {
                    String answer = answer(t);
                    if (answer == null || answer.isBlank()) {
                        problems.add("no final answer");
                    }
                }
                t.scores.put(name, problems.isEmpty() ? 1.0 : 0.0);
                if (!problems.isEmpty()) {
                    FilterStep.drop(t, name, String.join("; ", problems));
                }
            }
        }
    }

    /**
     * {@code verify}: the trace's final answer against its question's reference answer (the trace's
     * {@code metadata.answer}, which generation-service copies from the question) with libs/answer-check.
     * Score 1 (equal) or 0; unknown and missing references drop with their reason.
     */
    static final class Verify implements FilterStep {
        private final String answerField;

        Verify(StepParams p) {
            answerField = p.text("answerField", "answer");
        }

        @Override
        public boolean perItem() {
            return true;
        }

        @Override
        public void apply(String name, List<Item> items) {
            for (Item t : items) {
                String gold = t.node.path("metadata").path(answerField).asText("");
                if (gold.isBlank()) {
                    t.scores.put(name, 0.0);
                    FilterStep.drop(t, name, "its question has no reference answer (metadata." + answerField + ")");
                    continue;
                }
                String predicted = answer(t);
                AnswerType type = AnswerType.of(t.node.path("metadata").path("answerType").asText(null));
                Verdict v = predicted == null ? Verdict.UNKNOWN : AnswerChecker.equivalent(gold, predicted, type);
                t.scores.put(name, v == Verdict.EQUAL ? 1.0 : 0.0);
                if (v == Verdict.DIFFERENT) {
                    FilterStep.drop(t, name, "answer " + predicted + " differs from the reference " + gold);
                } else if (v == Verdict.UNKNOWN) {
                    FilterStep.drop(t, name, predicted == null ? "no final answer" : "answer " + predicted + " could not be checked against " + gold);
                }
            }
        }
    }

    /**
     * {@code majority}: the K traces of each question vote; answers are grouped by equivalence (answer-check),
     * the largest group wins (ties: the group whose first answer came first). Traces of the winning group are
     * kept; each trace records the pseudo-label and the agreement (winning group size / K); a question whose
     * agreement is below {@code minAgreement} loses all its traces.
     */
    static final class Majority implements FilterStep {
        private final double minAgreement;

        Majority(StepParams p) {
            minAgreement = p.number("minAgreement", 0, 0, 1);
        }

        @Override
        public void apply(String name, List<Item> items) {
            Map<String, List<Item>> byQuestion = new LinkedHashMap<>();
            for (Item t : items) {
                byQuestion.computeIfAbsent(t.questionId() == null ? t.id : t.questionId(), q -> new ArrayList<>()).add(t);
            }
            for (List<Item> traces : byQuestion.values()) {
                List<String> labels = new ArrayList<>();
                List<List<Item>> groups = new ArrayList<>();
                List<Item> unanswered = new ArrayList<>();
                Map<Item, String> answers = new java.util.HashMap<>();
                for (Item t : traces) {
                    String a = answer(t);
                    answers.put(t, a);
                    if (a == null || a.isBlank()) {
                        unanswered.add(t);
                        continue;
                    }
                    int g = 0;
                    while (g < labels.size() && AnswerChecker.equivalent(labels.get(g), a) != Verdict.EQUAL) {
                        g++;
                    }
                    if (g == labels.size()) {
                        labels.add(a);
                        groups.add(new ArrayList<>());
                    }
                    groups.get(g).add(t);
                }
                int win = -1;
                for (int g = 0; g < groups.size(); g++) {
                    if (win < 0 || groups.get(g).size() > groups.get(win).size()) {
                        win = g;
                    }
                }
                double agreement = win < 0 ? 0 : (double) groups.get(win).size() / traces.size();
                String label = win < 0 ? null : labels.get(win);
                for (Item t : traces) {
                    ObjectNode finding = JsonNodeFactory.instance.objectNode().put("label", label).put("agreement", agreement)
                            .put("votes", traces.size());
                    t.findings.put(name, finding);
                    t.scores.put(name, agreement);
                    if (win < 0) {
                        FilterStep.drop(t, name, "no trace of its question has a final answer");
                    } else if (agreement < minAgreement) {
                        FilterStep.drop(t, name, String.format(Locale.ROOT, "agreement %.2f is below %.2f", agreement, minAgreement));
                    } else if (!groups.get(win).contains(t)) {
                        FilterStep.drop(t, name, unanswered.contains(t) ? "no final answer"
                                : "answer " + answers.get(t) + " disagrees with the majority " + label);
                    }
                }
            }
        }
    }
}
