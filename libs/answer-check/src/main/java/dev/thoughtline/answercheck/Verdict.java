package dev.thoughtline.answercheck;

/** The outcome of a check: the answers are equal, different, or could not be decided (unparsable, too large). */
public enum Verdict {
    EQUAL, DIFFERENT, UNKNOWN;

    /** The name used in JSON: {@code equal}, {@code different}, {@code unknown}. */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
