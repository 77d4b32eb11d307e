package dev.thoughtline.answercheck;

/**
 * What kind of answer the gold is, as benchmarks declare it: an integer (AIME), an expression (MATH), or a
 * multiple-choice letter (GPQA). {@link #AUTO} decides from the answers themselves.
 */
public enum AnswerType {
    INTEGER, EXPRESSION, CHOICE, AUTO;

    /** The type named in JSON ({@code "integer"}, {@code "expression"}, {@code "choice"}); AUTO for null or unknown. */
    public static AnswerType of(String name) {
        if (name == null) {
            return AUTO;
        }
        switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "integer":
                return INTEGER;
            case "expression":
                return EXPRESSION;
            case "choice":
            case "multiple_choice":
            case "multiple-choice":
                return CHOICE;
            default:
                return AUTO;
        }
    }
}
