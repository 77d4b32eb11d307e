package dev.thoughtline.answercheck;

/**
 * A final answer found in a response: the answer's text, where it came from, and its offset in the response.
 *
 * @param answer the extracted text, null when nothing was found
 * @param source how it was found
 * @param offset where in the response the match starts, -1 when nothing was found
 */
public record Extraction(String answer, Source source, int offset) {

    /** How an answer was found, in the order they are tried. */
    public enum Source {
        BOXED, FBOX, FINAL_ANSWER_PHRASE, ANSWER_LABEL, MATH_SPAN, WHOLE, TRAILING_NUMBER, NONE;

        /** The name used in JSON: {@code boxed}, {@code final_answer_phrase}, ... */
        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final Extraction NONE = new Extraction(null, Source.NONE, -1);

    public boolean found() {
        return answer != null;
    }
}
