package dev.thoughtline.eval.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.contracts.AnswerType;
import dev.thoughtline.contracts.LineError;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Turns the rows of a benchmark file (NDJSON lines, or rows of the datasets server) into benchmark items of the
 * contract: {@code id, text, answer, answerType, metadata}. Every row is checked; one bad row (no text, no answer,
 * an id seen before) is reported with its line and the benchmark is refused as a whole, since a benchmark with
 * holes measures something else.
 *
 * <p>Multiple-choice rows come either with the choices already in the text and the letter as the answer, or as a
 * correct choice plus the incorrect ones ({@code correct}, {@code incorrect} fields, e.g. GPQA's). Those are
 * shuffled with a seed derived from the row's own id and question, so each question's order is fixed and
 * reproducible, and the correct letters spread evenly over A-D; a generator shared across questions, or re-seeded
 * identically for each, would put every gold answer on the same letter.
 */
public final class BenchmarkParser {

    /** Where each field of an item comes from: a field name or a dotted path; null picks the usual names. */
    public record Fields(String id, String text, String answer, String correct, List<String> incorrect) {
        public static Fields defaults() {
            return new Fields(null, null, null, null, List.of());
        }

        boolean shuffled() {
            return correct != null;
        }
    }

    public static final int MAX_ERRORS = 100;

    private static final List<String> TEXT_NAMES = List.of("text", "problem", "question", "Question");
    private static final List<String> ANSWER_NAMES = List.of("answer", "Answer", "solution_answer");
    private static final List<String> ID_NAMES = List.of("id", "unique_id", "uid", "Record ID");

    private final ObjectMapper mapper;
    private final String benchmark;
    private final AnswerType answerType;
    private final Fields fields;
    private final List<ObjectNode> items = new ArrayList<>();
    private final List<LineError> errors = new ArrayList<>();
    private final Map<String, Integer> idLines = new HashMap<>();
    private int rows;

    public BenchmarkParser(ObjectMapper mapper, String benchmark, AnswerType answerType, Fields fields) {
        this.mapper = mapper;
        this.benchmark = benchmark;
        this.answerType = answerType;
        this.fields = fields;
        if (fields.shuffled() && answerType != AnswerType.CHOICE) {
            throw new IllegalArgumentException("correct and incorrect fields make multiple-choice items: the answer type must be choice");
        }
        if (fields.shuffled() && fields.incorrect().isEmpty()) {
            throw new IllegalArgumentException("a correct choice needs the incorrect ones too (incorrect=field1,field2,...)");
        }
        if (fields.shuffled() && fields.incorrect().size() > 25) {
            throw new IllegalArgumentException("at most 26 choices");
        }
    }

    /** One line of an NDJSON upload (1-based line number); blank lines are skipped. */
    public void line(int line, String json) {
        if (json.isBlank()) {
            return;
        }
        JsonNode node;
        try {
            node = mapper.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            error(line, "not JSON: " + e.getOriginalMessage());
            return;
        }
        row(line, node);
    }

    /** A line that could not even be read as text (too long, not UTF-8): a row in error. */
    public void unreadable(int line, String reason) {
        rows++;
        error(line, reason);
    }

    /** One row (line number or row index, 1-based). */
    public void row(int line, JsonNode row) {
        rows++;
        if (!row.isObject()) {
            error(line, "not a JSON object");
            return;
        }
        String text = string(row, fields.text(), TEXT_NAMES);
        if (text == null || text.isBlank()) {
            error(line, "no question text (" + (fields.text() == null ? "looked for " + TEXT_NAMES : "field " + fields.text()) + ")");
            return;
        }
        String id = string(row, fields.id(), ID_NAMES);
        if (id == null || id.isBlank()) {
            id = benchmark + "-" + line;
        }
        Integer first = idLines.putIfAbsent(id, line);
        if (first != null) {
            error(line, "id '" + id + "' is already the id of line " + first);
            return;
        }
        ObjectNode metadata = mapper.createObjectNode();
        String answer;
        if (fields.shuffled()) {
            String correct = string(row, fields.correct(), List.of());
            if (correct == null || correct.isBlank()) {
                error(line, "no correct choice (field " + fields.correct() + ")");
                return;
            }
            List<String> choices = new ArrayList<>();
            choices.add(correct.strip());
            for (String f : fields.incorrect()) {
                String c = string(row, f, List.of());
                if (c == null || c.isBlank()) {
                    error(line, "no incorrect choice in field " + f);
                    return;
                }
                choices.add(c.strip());
            }
            int[] order = shuffle(choices.size(), seed(id, text));
            StringBuilder sb = new StringBuilder(text.strip()).append("\n");
            ArrayNode shown = metadata.putArray("choices");
            int correctAt = -1;
            for (int i = 0; i < order.length; i++) {
                char letter = (char) ('A' + i);
                sb.append('\n').append(letter).append(") ").append(choices.get(order[i]));
                shown.add(choices.get(order[i]));
                if (order[i] == 0) {
                    correctAt = i;
                }
            }
            text = sb.toString();
            answer = String.valueOf((char) ('A' + correctAt));
        } else {
            answer = string(row, fields.answer(), ANSWER_NAMES);
            if (answer == null || answer.isBlank()) {
                error(line, "no answer (" + (fields.answer() == null ? "looked for " + ANSWER_NAMES : "field " + fields.answer()) + ")");
                return;
            }
            answer = answer.strip();
            if (answerType == AnswerType.INTEGER && !answer.matches("[-+]?\\d+")) {
                error(line, "the answer '" + abbreviate(answer) + "' is not an integer, and the benchmark's answers are integers");
                return;
            }
            if (answerType == AnswerType.CHOICE && !answer.matches("[A-Za-z]")) {
                error(line, "the answer '" + abbreviate(answer) + "' is not a choice letter");
                return;
            }
            if (answerType == AnswerType.CHOICE) {
                answer = answer.toUpperCase(java.util.Locale.ROOT);
            }
        }
        Set<String> used = usedFields();
        row.fields().forEachRemaining(e -> {
            if (!used.contains(e.getKey())) {
                metadata.set(e.getKey(), e.getValue());
            }
        });
        ObjectNode item = mapper.createObjectNode();
        item.put("id", id).put("text", text).put("answer", answer)
                .put("answerType", answerType.name().toLowerCase(java.util.Locale.ROOT));
        item.set("metadata", metadata);
        items.add(item);
    }

    public List<ObjectNode> items() {
        return items;
    }

    public List<LineError> errors() {
        return errors;
    }

    /** How many errors there were in all (only the first {@link #MAX_ERRORS} are kept). */
    public int errorCount() {
        return errorCount;
    }

    public int rows() {
        return rows;
    }

    private int errorCount;

    private void error(int line, String reason) {
        errorCount++;
        if (errors.size() < MAX_ERRORS) {
            errors.add(new LineError(line, reason));
        }
    }

    private Set<String> usedFields() {
        Set<String> used = new HashSet<>();
        for (String f : new String[]{fields.id(), fields.text(), fields.answer(), fields.correct()}) {
            if (f != null) {
                used.add(f.split("\\.", 2)[0]);
            }
        }
        fields.incorrect().forEach(f -> used.add(f.split("\\.", 2)[0]));
        if (fields.text() == null) {
            used.addAll(TEXT_NAMES);
        }
        if (fields.answer() == null && !fields.shuffled()) {
            used.addAll(ANSWER_NAMES);
        }
        if (fields.id() == null) {
            used.addAll(ID_NAMES);
        }
        return used;
    }

    /** The value at a field or dotted path as text (numbers too), or the first of the usual names when none is given. */
    private static String string(JsonNode row, String path, List<String> usual) {
        if (path == null) {
            for (String name : usual) {
                JsonNode v = row.get(name);
                if (v != null && (v.isTextual() || v.isNumber())) {
                    return v.asText();
                }
            }
            return null;
        }
        JsonNode v = row;
        for (String part : path.split("\\.")) {
            v = v.isArray() && part.matches("\\d+") ? v.get(Integer.parseInt(part)) : v.get(part);
            if (v == null) {
                return null;
            }
        }
        return v.isTextual() || v.isNumber() ? v.asText() : null;
    }

    /** A seed from the question itself: its id and text, hashed. */
    static long seed(String id, String text) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((id + "\u0000" + text).getBytes(StandardCharsets.UTF_8));
            long s = 0;
            for (int i = 0; i < 8; i++) {
                s = (s << 8) | (h[i] & 0xff);
            }
            return s;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Fisher-Yates permutation of 0..n-1 from its own generator. */
    static int[] shuffle(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
