package dev.thoughtline.eval.rest;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The recipe's "pick the best teacher" step: candidate teachers on the same verifiable questions, best accuracy
 * first (ties: the cheaper per 1,000 samples first). Figures are null until a teacher's run is scored.
 */
public record TeacherReport(String name, String benchmark, List<Row> teachers) {

    public record Row(String teacher, String run, String status, String error, Double accuracy, Double stdErr, Double meanReasoningTokens,
                      Double meanCompletionTokens, Double costPer1000Samples) {
    }

    static TeacherReport of(String name, List<EvalRunView> runs) {
        List<Row> rows = new ArrayList<>();
        String benchmark = null;
        for (EvalRunView v : runs) {
            EvalRunView.Result r = v.results().isEmpty() ? null : v.results().get(0);
            benchmark = r == null ? benchmark : r.benchmark();
            JsonNode m = r == null ? null : r.metrics();
            rows.add(new Row(v.teacher(), v.name(), v.status(), v.error(), number(m, "accuracy"), number(m, "stdErr"),
                    number(m, "meanReasoningTokens"), number(m, "meanCompletionTokens"), number(m, "costPer1000Samples")));
        }
        rows.sort(Comparator.comparing((Row r) -> r.accuracy() == null ? 1.0 : -r.accuracy())
                .thenComparing(r -> r.costPer1000Samples() == null ? Double.MAX_VALUE : r.costPer1000Samples())
                .thenComparing(Row::teacher));
        return new TeacherReport(name, benchmark, rows);
    }

    private static Double number(JsonNode m, String field) {
        return m == null || !m.path(field).isNumber() ? null : m.get(field).asDouble();
    }
}
